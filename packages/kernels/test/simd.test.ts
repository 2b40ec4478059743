import { describe, expect, it } from 'vitest';
import { f32DotBound, rowDot, SIMD_BATCH, simdAvailable, SimdRowStore, VECTOR_ROW } from '../src/index.js';

describe('WebAssembly SIMD dot product', () => {
  it('is available on Node 20', () => {
    expect(simdAvailable()).toBe(true);
  });

  it('equals the double-precision scalar dot (any width, rows copied on demand)', () => {
    for (const d of [1, 3, 7, 8, 9, 16, 33, 4096]) {
      const rows = 5;
      const data = Float32Array.from({ length: rows * d }, (_, i) => Math.sin(i * 1.7) * (1 + (i % 13)));
      const store = new SimdRowStore(data, rows, d);
      for (let i = 0; i < rows; i++) {
        for (let j = 0; j < rows; j++) {
          const ref = rowDot(data, d, i, j);
          expect(Math.abs(store.dot(i, j) - ref)).toBeLessThanOrEqual(1e-12 * Math.max(1, Math.abs(ref)));
        }
      }
    }
  });

  it('an exact small-integer case', () => {
    const store = new SimdRowStore(Float32Array.from([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 8, 7, 6, 5, 4, 3, 2, 1, 0, -1]), 2, 10);
    // 1·8 + 2·7 + 3·6 + 4·5 + 5·4 + 6·3 + 7·2 + 8·1 + 9·0 + 10·(−1)
    expect(store.dot(0, 1)).toBe(110);
    expect(store.dot(0, 0)).toBe(385);
  });

  it('stores are independent', () => {
    const a = new SimdRowStore(Float32Array.from([1, 0, 0, 1]), 2, 2);
    const b = new SimdRowStore(Float32Array.from([2, 0, 0, 3]), 2, 2);
    expect([a.dot(0, 0), b.dot(0, 0), a.dot(1, 1), b.dot(1, 1)]).toEqual([1, 4, 1, 9]);
  });

  it('a released store hands its memory to the next one and stays usable itself', () => {
    const a = new SimdRowStore(Float32Array.from([1, 2, 3, 4]), 2, 2);
    expect(a.dot(0, 1)).toBe(11);
    a.release();
    const b = new SimdRowStore(Float32Array.from([5, 6, 7, 8]), 2, 2);
    expect(b.dot(0, 1)).toBe(83);
    expect(a.dot(1, 1)).toBe(25);
    expect(b.dot(1, 1)).toBe(113);
  });

  it('batched f64 dots are bit-identical to single dots (widths, batch sizes, repeated rows)', () => {
    for (const d of [1, 15, 16, 17, 64, 1000, 4096]) {
      const rows = 40;
      const data = Float32Array.from({ length: rows * d }, (_, i) => Math.cos(i * 0.37) * (1 + (i % 7)) * 1e-3);
      const store = new SimdRowStore(data, rows, d);
      const others = Array.from({ length: 300 }, (_, k) => (k * 7) % rows);
      const out = new Float64Array(SIMD_BATCH);
      for (const [from, count] of [[0, 1], [3, 37], [10, SIMD_BATCH]]) {
        store.dots(5, others, from, count, out);
        for (let k = 0; k < count; k++) expect(Object.is(out[k], store.dot(5, others[from + k]))).toBe(true);
      }
    }
  });

  it('float32 dots stay within f32DotBound of the double dot, relative to the norm product', () => {
    let worst = 0;
    for (const d of [16, 100, 1024, 4096]) {
      const rows = 24;
      const data = Float32Array.from({ length: rows * d }, (_, i) => Math.fround(Math.sin(i * 12.9898) * 43758.5453 % 1));
      const store = new SimdRowStore(data, rows, d);
      const out = new Float64Array(rows);
      const all = Array.from({ length: rows }, (_, k) => k);
      for (let i = 0; i < rows; i++) {
        store.dotsF32(i, all, 0, rows, out);
        for (let j = 0; j < rows; j++) {
          const ref = store.dot(i, j);
          const scale = Math.sqrt(store.dot(i, i) * store.dot(j, j));
          const err = Math.abs(out[j] - ref) / scale;
          worst = Math.max(worst, err / f32DotBound(d));
          expect(err).toBeLessThanOrEqual(f32DotBound(d));
        }
      }
    }
    expect(worst).toBeGreaterThan(0);
  });

  it('range dots (all rows loaded in order) and vector-slot dots are bit-identical to single dots', () => {
    for (const d of [5, 64, 1024]) {
      const rows = 600;
      const data = Float32Array.from({ length: rows * d }, (_, i) => Math.sin(i * 0.77) * (1 + (i % 5)));
      const store = new SimdRowStore(data, rows, d).loadAll();
      const out = new Float64Array(rows);
      store.dotsRange(7, 0, rows, out);
      for (let j = 0; j < rows; j++) expect(Object.is(out[j], store.dot(7, j))).toBe(true);
      const f = new Float64Array(rows);
      store.dotsRangeF32(7, 0, rows, f);
      for (let j = 0; j < rows; j++) expect(Math.abs(f[j] - out[j])).toBeLessThanOrEqual(f32DotBound(d) * Math.sqrt(store.dot(7, 7) * store.dot(j, j)));
      store.setVector(data.subarray(3 * d, 4 * d));
      store.dotsRange(VECTOR_ROW, 10, 300, out);
      for (let j = 0; j < 300; j++) expect(Object.is(out[j], store.dot(3, 10 + j))).toBe(true);
    }
    const whole = new SimdRowStore(Float32Array.from([1, 2, 3, 4, 5, 6]), 3, 2).loadAll();
    whole.release();
    const again = new Float64Array(3);
    whole.dotsRange(0, 0, 3, again);
    expect(Array.from(again)).toEqual([5, 11, 17]);
    const lazy = new SimdRowStore(Float32Array.from([1, 2, 3, 4]), 2, 2);
    lazy.dot(1, 1);
    expect(() => lazy.dotsRange(0, 0, 2, new Float64Array(2))).toThrow('loadAll');
  });
});
