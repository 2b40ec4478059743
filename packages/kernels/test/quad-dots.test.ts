import { uniformRng } from '@d2pruner/core';
import { describe, expect, it } from 'vitest';
import { wasmBackedRows } from './dot-instance.js';
import { f32QuadDotBound, rowDot, SimdRowStore } from '../src/index.js';

function matrix(rows: number, cols: number, seed: number, into?: Float32Array): Float32Array {
  const rand = uniformRng(seed);
  const x = into ?? new Float32Array(rows * cols);
  for (let i = 0; i < rows * cols; i++) x[i] = (rand() - 0.5) * (i % 7 === 0 ? 40 : 1);
  return x;
}

/** Every value of dotsQuadF32 within its bound of the double dot, for the quad rows against rows j0 … j0+count−1. */
function check(store: SimdRowStore, x: Float32Array, cols: number, quad: number[], j0: number, count: number): void {
  const out = new Float64Array(4 * count).fill(NaN);
  store.dotsQuadF32(quad, j0, count, out);
  const stride = Math.ceil(cols / 16) * 16;
  const norm = (i: number) => Math.sqrt(rowDot(x, cols, i, i));
  for (let k = 0; k < count; k++) {
    for (let p = 0; p < 4; p++) {
      const exact = rowDot(x, cols, quad[p], j0 + k);
      expect(Math.abs(out[4 * k + p] - exact), `quad ${quad[p]} row ${j0 + k} width ${cols}`).toBeLessThanOrEqual(f32QuadDotBound(stride) * norm(quad[p]) * norm(j0 + k));
    }
  }
}

describe('SimdRowStore.dotsQuadF32 (two quad rows at a time in the pair tile)', () => {
  it('is within its bound of the double dot: any width, odd and even runs, the last rows, repeated quad rows', () => {
    for (const [rows, cols] of [[9, 1], [10, 7], [301, 16], [257, 33], [64, 1024]] as const) {
      const x = matrix(rows, cols, rows + cols);
      const store = new SimdRowStore(x, rows, cols).loadAll();
      for (const [quad, j0, count] of [[[0, 1, 2, 3], 1, rows - 1], [[2, 2, 5, 7], 3, rows - 3], [[rows - 1, 0, 1, 1], rows - 1, 1], [[0, 3, 4, 8], 0, Math.min(rows, 200)]] as const) {
        check(store, x, cols, [...quad], j0, count);
      }
      store.release();
    }
  });

  it('a one-row store (no row to pair with) and rows read in place from WebAssembly memory', () => {
    const one = matrix(1, 40, 3);
    check(new SimdRowStore(one, 1, 40).loadAll(), one, 40, [0, 0, 0, 0], 0, 1);
    const rows = 131;
    const cols = 64;
    const x = matrix(rows, cols, 5, wasmBackedRows(rows, cols));
    const store = new SimdRowStore(x, rows, cols);
    expect(store.inPlace).toBe(true);
    check(store, x, cols, [5, 6, 7, 130], 1, rows - 1);
    check(store, x, cols, [0, 1, 2, 3], rows - 1, 1);
  });

  it('long rows of equal values: the error of sequential lane sums is real, and within the bound', () => {
    const cols = 4096;
    const x = new Float32Array(8 * cols).fill(1 + 2 ** -12);
    const store = new SimdRowStore(x, 8, cols).loadAll();
    const out = new Float64Array(16);
    store.dotsQuadF32([0, 1, 2, 3], 4, 4, out);
    const exact = rowDot(x, cols, 0, 4);
    const err = Math.abs(out[0] - exact) / exact;
    expect(err).toBeLessThanOrEqual(f32QuadDotBound(cols));
    expect(err).toBeGreaterThan(0);
  });
});
