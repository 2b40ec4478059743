import { describe, expect, it } from 'vitest';
import { uniformRng } from '@d2pruner/core';
import { QuantizedRows, rowDot, SIMD_BATCH, SimdRowStore } from '../src/index.js';

/** Rows of several kinds: Gaussian, near-duplicates, constant, one huge outlier channel, tiny and huge scales, zero. */
function rows(d: number, seed: number): { data: Float32Array; n: number } {
  const rand = uniformRng(seed);
  const gauss = () => Math.sqrt(-2 * Math.log(rand() + 1e-12)) * Math.cos(2 * Math.PI * rand());
  const base = Array.from({ length: d }, gauss);
  const kinds: ((j: number) => number)[] = [
    () => gauss(),
    (j) => base[j] + 0.05 * gauss(),
    (j) => base[j] + 0.3 * gauss(),
    () => 0.75,
    (j) => (j === 0 ? 300 : gauss()),
    (j) => (base[j] + 0.1 * gauss()) * 1e-20,
    (j) => (base[j] + 0.1 * gauss()) * 1e25,
    () => 0,
    (j) => (j % 2 === 0 ? 1 : -1) * (1 + 1e-7 * j),
  ];
  const n = kinds.length * 3;
  const data = new Float32Array(n * d);
  for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) data[i * d + j] = kinds[i % kinds.length](j);
  return { data, n };
}

function exactCos(data: Float32Array, d: number, i: number, j: number): number {
  const ni = Math.sqrt(rowDot(data, d, i, i));
  const nj = Math.sqrt(rowDot(data, d, j, j));
  return ni === 0 || nj === 0 ? 0 : rowDot(data, d, i, j) / (ni * nj);
}

describe('QuantizedRows (int16 coarse cosine screen)', () => {
  it('every screened cosine lies within its bound of the exact one (any width, adversarial rows)', () => {
    for (const d of [1, 7, 32, 33, 100, 1024, 4096]) {
      const { data, n } = rows(d, d);
      const norm = (i: number) => Math.sqrt(rowDot(data, d, i, i));
      const q = QuantizedRows.tryCreate(data, n, d)!;
      expect(q).toBeDefined();
      const est = new Float64Array(SIMD_BATCH);
      const bound = new Float64Array(SIMD_BATCH);
      const all = Array.from({ length: n }, (_, i) => i);
      let screened = 0;
      for (let v = 0; v < n; v++) {
        if (!q.screen(v, all, 0, n, est, bound)) {
          expect(norm(v) === 0 || norm(v) > 1e30 || norm(v) < 1e-30).toBe(true);
          continue;
        }
        for (let u = 0; u < n; u++) {
          if (Number.isNaN(est[u])) continue;
          screened++;
          const exact = exactCos(data, d, v, u);
          expect(Math.abs(est[u] - exact)).toBeLessThanOrEqual(bound[u]);
        }
      }
      expect(screened).toBeGreaterThan(n * n * 0.5);
      q.release();
    }
  });

  it('is tight: about 10⁻³ or less at D 1024 on Gaussian rows, and a 300σ outlier channel does not loosen it (the scale follows the norm)', () => {
    const d = 1024;
    const { data, n } = rows(d, 3);
    const q = new QuantizedRows(data, n, d);
    const est = new Float64Array(2);
    const bound = new Float64Array(2);
    for (const v of [0, 4]) {
      expect(q.screen(v, [1, 2], 0, 2, est, bound)).toBe(true);
      expect(bound[0]).toBeLessThan(1.2e-3);
      expect(bound[0]).toBeGreaterThan(1e-5);
    }
    q.release();
  });

  it('a zero row is not screened; a released store quantizes again and gives the same values', () => {
    const d = 64;
    const { data, n } = rows(d, 9);
    const q = new QuantizedRows(data, n, d);
    const est = new Float64Array(3);
    const bound = new Float64Array(3);
    expect(q.screen(7, [0, 1, 2], 0, 3, est, bound)).toBe(false);
    q.screen(0, [7, 1, 2], 0, 3, est, bound);
    expect(Number.isNaN(est[0])).toBe(true);
    const first = Array.from(est.subarray(1));
    q.release();
    q.screen(0, [7, 1, 2], 0, 3, est, bound);
    expect(Array.from(est.subarray(1))).toEqual(first);
    q.release();
  });

  it('its norms are bit-identical to the square roots of the float rows\' SIMD self-dots (the exact cosine divides by those)', () => {
    for (const d of [5, 16, 33, 1024]) {
      const { data, n } = rows(d, 11);
      const q = new QuantizedRows(data, n, d);
      const store = new SimdRowStore(data, n, d);
      for (let i = 0; i < n; i++) expect(q.norm(i)).toBe(Math.sqrt(store.dot(i, i)));
      q.release();
      store.release();
    }
  });

  it('past its memory cap it screens no more rows, but still gives every norm', () => {
    const d = 1024;
    const { data, n } = rows(d, 13);
    const q = new QuantizedRows(data, n, d, 40_000);
    const store = new SimdRowStore(data, n, d);
    const est = new Float64Array(n);
    const bound = new Float64Array(n);
    const all = Array.from({ length: n }, (_, i) => i);
    expect(q.screen(0, all, 0, n, est, bound)).toBe(true);
    const screened = all.filter((u) => !Number.isNaN(est[u])).length;
    expect(screened).toBeGreaterThan(3);
    expect(screened).toBeLessThan(n - 5);
    for (let i = 0; i < n; i++) expect(q.norm(i)).toBe(Math.sqrt(store.dot(i, i)));
    q.release();
    store.release();
  });
});
