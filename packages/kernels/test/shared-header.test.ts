import { describe, expect, it } from 'vitest';
import { cosineFromDot, screenArgmax, screenCosines, SimdRowStore, VECTOR_ROW, wasmBackedBytes } from '../src/index.js';

/*
 * Several in-place users of one `wasmBackedBytes` memory (screens, row stores) share its reserved
 * header: each must give the values it gives alone, whatever the others wrote there meanwhile.
 */

/** A rows×cols matrix inside a file-like WebAssembly memory (read in place by the kernels). */
function fileMatrix(rows: number, cols: number, seed: number): Float32Array {
  const bytes = wasmBackedBytes(rows * cols * 4);
  if (!bytes) throw new Error('no WebAssembly memory');
  const x = new Float32Array(bytes.buffer, bytes.byteOffset, rows * cols);
  for (let i = 0; i < x.length; i++) x[i] = Math.sin(i * 0.1 + (i % 7) + seed);
  return x;
}

/** Double dot of two float32 vectors, scalar loop (the independent reference). */
function dot(a: Float32Array, b: Float32Array): number {
  let s = 0;
  for (let k = 0; k < a.length; k++) s += a[k] * b[k];
  return s;
}

/** The exact cosine of vector `v` with row `j` of `x`, computed in JavaScript. */
function cosine(x: Float32Array, cols: number, v: Float32Array, j: number): number {
  const row = x.subarray(j * cols, (j + 1) * cols);
  return cosineFromDot(dot(v, row), Math.sqrt(dot(v, v)), Math.sqrt(dot(row, row)));
}

describe('in-place users of one file memory', () => {
  it('two live screens keep their own exact values, interleaved in any order', () => {
    for (const cols of [64, 1024]) {
      const rows = 8;
      const x = fileMatrix(rows, cols, cols);
      const va = Float32Array.from({ length: cols }, (_, c) => Math.cos(c));
      const vb = Float32Array.from({ length: cols }, (_, c) => (c % 2 ? 1 : -1));
      const A = screenCosines(x, rows, cols, [va]);
      const B = screenCosines(x, rows, cols, [vb, va, vb]);
      // the same screens on an ordinary copy: a pooled memory of their own (the values alone)
      const plain = Float32Array.from(x);
      const refA = screenCosines(plain, rows, cols, [va]);
      const refB = screenCosines(plain, rows, cols, [vb, va, vb]);
      if (!A || !B || !refA || !refB) throw new Error('no screen');
      for (let round = 0; round < 2; round++) {
        for (let j = 0; j < rows; j++) {
          expect(A.exact(0, j)).toBe(refA.exact(0, j));
          expect(B.exact(0, j)).toBe(refB.exact(0, j));
          expect(A.exact(0, j)).toBe(refA.exact(0, j));
          expect(B.exact(1, j)).toBe(refB.exact(1, j));
          expect(A.exact(0, j)).toBeCloseTo(cosine(x, cols, va, j), 12);
          expect(B.exact(0, j)).toBeCloseTo(cosine(x, cols, vb, j), 12);
          expect(A.rowNorm(j)).toBe(refA.rowNorm(j));
        }
      }
      for (const s of [A, B, refA, refB]) s.release();
    }
  });

  it('a screen started while another is live, and an argmax screen, do not disturb it', () => {
    const rows = 16;
    const cols = 128;
    const x = fileMatrix(rows, cols, 3);
    const vs = [0, 1, 2].map((s) => Float32Array.from({ length: cols }, (_, c) => Math.sin(c * (s + 1))));
    const A = screenCosines(x, rows, cols, [vs[0]]);
    if (!A) throw new Error('no screen');
    const first = A.exact(0, 5);
    expect(first).toBeCloseTo(cosine(x, cols, vs[0], 5), 12);
    const G = screenArgmax(x, rows, cols, [vs[1], vs[2]]);
    if (!G) throw new Error('no screen');
    expect(G.exact(1, 5)).toBeCloseTo(cosine(x, cols, vs[2], 5), 12);
    const B = screenCosines(x, rows, cols, [vs[2]]);
    B?.exact(0, 5);
    expect(A.exact(0, 5)).toBe(first);
    expect(G.exact(0, 5)).toBeCloseTo(cosine(x, cols, vs[1], 5), 12);
    for (const s of [A, G, B]) s?.release();
  });

  it("an in-place row store keeps its vector row across a screen's pass and exact values", () => {
    const rows = 8;
    // wide rows: the screen's slots then overlap the store's scratch and vector row
    const cols = 1024;
    const x = fileMatrix(rows, cols, 7);
    const va = Float32Array.from({ length: cols }, (_, c) => Math.cos(c));
    const vb = Float32Array.from({ length: cols }, (_, c) => (c % 3) - 1);
    const store = new SimdRowStore(x, rows, cols);
    expect(store.inPlace).toBe(true);
    store.setVector(va);
    const before = store.dot(VECTOR_ROW, 2);
    expect(before).toBeCloseTo(dot(va, x.subarray(2 * cols, 3 * cols)), 10);
    const C = screenCosines(x, rows, cols, [vb]);
    if (!C) throw new Error('no screen');
    expect(store.dot(VECTOR_ROW, 2)).toBe(before);
    const exact = C.exact(0, 3);
    expect(exact).toBeCloseTo(cosine(x, cols, vb, 3), 12);
    // the store's scratch writes (listed dots) between two exact calls of the screen
    const out = new Float64Array(4);
    store.dots(VECTOR_ROW, [0, 1, 2, 3], 0, 4, out);
    expect(out[2]).toBe(before);
    expect(C.exact(0, 3)).toBe(exact);
    expect(store.dot(VECTOR_ROW, 2)).toBe(before);
    C.release();
  });
});
