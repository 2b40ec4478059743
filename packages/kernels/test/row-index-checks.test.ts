import { describe, expect, it } from 'vitest';
import { QuantizedRows, SIMD_BATCH, SimdRowStore, VECTOR_ROW, wasmBackedBytes } from '../src/index.js';

const ROWS = 5;
const COLS = 16;
const data = Float32Array.from({ length: ROWS * COLS }, (_, i) => Math.sin(i + 1));

/** The same rows copied into a store, and read in place from a WebAssembly-backed file memory. */
function stores(): SimdRowStore[] {
  const bytes = wasmBackedBytes(data.byteLength) as Uint8Array;
  const inPlace = new Float32Array(bytes.buffer, bytes.byteOffset, data.length);
  inPlace.set(data);
  const copied = SimdRowStore.tryCreate(data, ROWS, COLS) as SimdRowStore;
  const direct = SimdRowStore.tryCreate(inPlace, ROWS, COLS) as SimdRowStore;
  expect(direct.inPlace).toBe(true);
  return [copied, direct];
}

describe('row ids are checked (a row outside the matrix would read other memory)', () => {
  it('SimdRowStore refuses rows outside 0 … rows−1 (VECTOR_ROW aside) and batches over SIMD_BATCH, copied or in place', () => {
    for (const store of stores()) {
      expect(store.dot(0, ROWS - 1)).toBeCloseTo(Array.from({ length: COLS }, (_, c) => data[c] * data[(ROWS - 1) * COLS + c]).reduce((a, b) => a + b), 5);
      store.setVector(data.subarray(0, COLS));
      expect(store.dot(VECTOR_ROW, 0)).toBe(store.dot(0, 0));
      for (const bad of [ROWS, -2, 1.5, NaN, 2 ** 32]) {
        expect(() => store.dot(0, bad)).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT', field: 'index' }));
        expect(() => store.dotF32(bad, 0)).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT', field: 'index' }));
        expect(() => store.dots(0, [1, bad], 0, 2, new Float64Array(2))).toThrow(expect.objectContaining({ field: 'index' }));
      }
      const many = new Array(SIMD_BATCH + 1).fill(0);
      expect(() => store.dots(0, many, 0, SIMD_BATCH + 1, new Float64Array(SIMD_BATCH + 1))).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT', field: 'count' }));
      store.release();
    }
    for (const store of stores()) {
      store.loadAll();
      expect(() => store.dotsRange(0, 2, ROWS, new Float64Array(ROWS))).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT', field: 'count' }));
      const out = new Float64Array(ROWS);
      store.dotsRange(0, 0, ROWS, out);
      expect(out[ROWS - 1]).toBe(store.dot(0, ROWS - 1));
      store.release();
    }
  });

  it('QuantizedRows refuses rows outside the matrix in norm and screen, and batches over SIMD_BATCH', () => {
    const q = QuantizedRows.tryCreate(data, ROWS, COLS) as QuantizedRows;
    try {
      expect(q.norm(ROWS - 1)).toBeGreaterThan(0);
      for (const bad of [ROWS, -1, 0.5]) {
        expect(() => q.norm(bad)).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT', field: 'index' }));
        expect(() => q.screen(0, [bad], 0, 1, new Float64Array(1), new Float64Array(1))).toThrow(expect.objectContaining({ field: 'index' }));
      }
      const many = new Array(SIMD_BATCH + 1).fill(1);
      expect(() => q.screen(0, many, 0, SIMD_BATCH + 1, new Float64Array(SIMD_BATCH + 1), new Float64Array(SIMD_BATCH + 1))).toThrow(expect.objectContaining({ field: 'count' }));
    } finally {
      q.release();
    }
  });
});
