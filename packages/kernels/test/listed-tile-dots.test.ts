import { InvalidArgumentError, uniformRng } from '@d2pruner/core';
import { describe, expect, it } from 'vitest';
import { wasmBackedRows } from './dot-instance.js';
import { f32TileDotBound, rowDot, SIMD_BATCH, SimdRowStore } from '../src/index.js';

function matrix(rows: number, cols: number, seed: number, into?: Float32Array): Float32Array {
  const rand = uniformRng(seed);
  const x = into ?? new Float32Array(rows * cols);
  for (let i = 0; i < rows * cols; i++) x[i] = (rand() - 0.5) * (i % 5 === 0 ? 30 : 1);
  return x;
}

/** A list of `count` row ids in a scattered order, with repeats. */
function scattered(rows: number, count: number, seed: number): number[] {
  const rand = uniformRng(seed);
  return Array.from({ length: count }, () => Math.floor(rand() * rows));
}

/** Checks dotsF32Tiled of row i and dotsF32PairTiled of rows i, k against the double dots, within the tile bound. */
function check(store: SimdRowStore, x: Float32Array, cols: number, i: number, k: number, others: number[], from: number, count: number): void {
  const stride = Math.ceil(cols / 16) * 16;
  const norm = (r: number) => Math.sqrt(rowDot(x, cols, r, r));
  const single = new Float64Array(count).fill(NaN);
  store.dotsF32Tiled(i, others, from, count, single);
  const pair = new Float64Array(2 * count).fill(NaN);
  if (2 * count <= SIMD_BATCH) store.dotsF32PairTiled(i, k, others, from, count, pair);
  for (let s = 0; s < count; s++) {
    const j = others[from + s];
    const bound = (a: number) => f32TileDotBound(stride) * norm(a) * norm(j);
    expect(Math.abs(single[s] - rowDot(x, cols, i, j)), `row ${i} · ${j}, width ${cols}`).toBeLessThanOrEqual(bound(i));
    if (2 * count > SIMD_BATCH) continue;
    expect(Math.abs(pair[2 * s] - rowDot(x, cols, i, j)), `pair lane 0: ${i} · ${j}`).toBeLessThanOrEqual(bound(i));
    expect(Math.abs(pair[2 * s + 1] - rowDot(x, cols, k, j)), `pair lane 1: ${k} · ${j}`).toBeLessThanOrEqual(bound(k));
  }
}

describe('SimdRowStore listed tiles (dotsF32Tiled, dotsF32PairTiled: four listed rows per pass)', () => {
  it('are within the tile bound of the double dots: any width, every tail length, scattered lists with repeats', () => {
    for (const [rows, cols] of [[9, 1], [40, 7], [70, 16], [33, 250], [64, 1024]] as const) {
      const x = matrix(rows, cols, rows * 31 + cols);
      const store = new SimdRowStore(x, rows, cols);
      const list = scattered(rows, 300, cols);
      for (const count of [0, 1, 2, 3, 4, 5, 7, 8, 9, 13, 128, 256]) check(store, x, cols, count % rows, (count + 5) % rows, list, 17, count);
      check(store, x, cols, 3, 3, list, 0, 11);
      store.release();
    }
  });

  it('read rows in place from WebAssembly memory', () => {
    const rows = 77;
    const cols = 64;
    const x = matrix(rows, cols, 9, wasmBackedRows(rows, cols));
    const store = new SimdRowStore(x, rows, cols);
    expect(store.inPlace).toBe(true);
    check(store, x, cols, 76, 0, scattered(rows, 40, 2), 3, 37);
  });

  it('long rows of equal values: the tile error is real, and within its bound', () => {
    const cols = 4096;
    const x = new Float32Array(6 * cols).fill(1 + 2 ** -12);
    const store = new SimdRowStore(x, 6, cols);
    const out = new Float64Array(8);
    store.dotsF32PairTiled(0, 1, [2, 3, 4, 5], 0, 4, out);
    const exact = rowDot(x, cols, 0, 2);
    const err = Math.abs(out[0] - exact) / exact;
    expect(err).toBeGreaterThan(0);
    expect(err).toBeLessThanOrEqual(f32TileDotBound(cols));
  });

  it('refuse a batch larger than the scratch area, naming the count', () => {
    const x = matrix(4, 16, 1);
    const store = new SimdRowStore(x, 4, 16);
    const many = new Array(SIMD_BATCH + 1).fill(0);
    expect(() => store.dotsF32Tiled(0, many, 0, SIMD_BATCH + 1, new Float64Array(SIMD_BATCH + 1))).toThrow(InvalidArgumentError);
    expect(() => store.dotsF32PairTiled(0, 1, many, 0, SIMD_BATCH / 2 + 1, new Float64Array(SIMD_BATCH + 2))).toThrow(expect.objectContaining({ field: 'count' }));
  });
});
