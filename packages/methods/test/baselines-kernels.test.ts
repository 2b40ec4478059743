import { afterAll, describe, expect, it } from 'vitest';
import { DeviceLostError } from '@d2pruner/core';
import {
  KERNEL_NAMES,
  cpuBackend,
  cpuDppUpdate,
  cpuMaxMinUpdate,
  cpuMaxSimilarity,
  kernelRegistry,
  kernelWork,
  rowNorms64,
  runCpuKernel,
  type KernelBackend,
  type KernelName,
} from '@d2pruner/kernels';
import { NeighbourLists, farthestRow, getMethod, mulberry32 } from '../src/index.js';
import { baselineDiffs, loadCases, loadScene } from './vectors.js';

/*
 * The baseline kernels against naive float64 formulas written here (unit vectors, explicit
 * Schur complements), the CPU helpers against brute force, and the registry dispatch path of
 * the methods through a test backend.
 */

function randomMatrix(rows: number, cols: number, seed: number, zeroRows: number[] = [], dupes: [number, number][] = []): Float32Array {
  const next = mulberry32(seed);
  const x = Float32Array.from({ length: rows * cols }, () => next() / 2 ** 32 - 0.5);
  for (const r of zeroRows) x.fill(0, r * cols, (r + 1) * cols);
  for (const [dst, src] of dupes) x.copyWithin(dst * cols, src * cols, (src + 1) * cols);
  return x;
}

function unitCos(x: Float32Array, d: number, i: number, j: number): number {
  let ni = 0;
  let nj = 0;
  for (let k = 0; k < d; k++) {
    ni += x[i * d + k] ** 2;
    nj += x[j * d + k] ** 2;
  }
  if (ni === 0 || nj === 0) return 0;
  let s = 0;
  for (let k = 0; k < d; k++) s += (x[i * d + k] / Math.sqrt(ni)) * (x[j * d + k] / Math.sqrt(nj));
  return s;
}

const R = 37;
const D = 9;
const X = randomMatrix(R, D, 3, [4, 20], [[11, 2]]);
const NORMS = rowNorms64(X, R, D);

describe('baseline kernels (CPU reference)', () => {
  it('are registered names with a work size, implemented by the CPU backend', () => {
    for (const k of ['maxSimilarity', 'maxMinUpdate', 'dppUpdate'] as KernelName[]) {
      expect(KERNEL_NAMES).toContain(k);
      expect(cpuBackend.supports(k)).toBe(true);
    }
    expect(kernelWork('maxSimilarity', { x: X, rows: R, cols: D, norms: NORMS, queries: new Int32Array(3), candidates: new Int32Array(5) })).toBe(3 * 5 * D);
    expect(kernelWork('maxMinUpdate', { x: X, rows: R, cols: D, norms: NORMS, j: 0, minDist: new Float64Array(R) })).toBe(R * D);
  });

  it('maxSimilarity = max over candidates ≠ query of the unit-vector cosine', () => {
    const queries = Int32Array.of(0, 2, 4, 11, 36, 5, 7);
    const candidates = Int32Array.from({ length: 30 }, (_, i) => i + 2);
    const out = cpuMaxSimilarity({ x: X, rows: R, cols: D, norms: NORMS, queries, candidates });
    queries.forEach((q, p) => {
      let best = -Infinity;
      for (const c of candidates) if (c !== q) best = Math.max(best, unitCos(X, D, q, c));
      expect(out[p]).toBeCloseTo(best, 12);
    });
    expect(out[2]).toBe(0); // zero row 4: every cosine is 0
    expect(out[3]).toBeCloseTo(1, 12); // row 11 duplicates row 2
    expect(Array.from(cpuMaxSimilarity({ x: X, rows: R, cols: D, norms: NORMS, queries: Int32Array.of(3), candidates: Int32Array.of(3) }))).toEqual([-Infinity]);
  });

  it('maxMinUpdate = min(m, 1 − cos) and leaves its input alone', () => {
    const minDist = Float64Array.from({ length: R }, (_, i) => (i % 3 === 0 ? 0.5 : 2));
    const copy = minDist.slice();
    const out = cpuMaxMinUpdate({ x: X, rows: R, cols: D, norms: NORMS, j: 7, minDist });
    for (let i = 0; i < R; i++) expect(out[i]).toBeCloseTo(Math.min(copy[i], 1 - unitCos(X, D, 7, i)), 12);
    expect(minDist).toEqual(copy);
  });

  it('dppUpdate reproduces the Schur complements of L = diag(r) S diag(r)', () => {
    const n = 12;
    const d = 5;
    const x = randomMatrix(n, d, 9, [6]);
    const norms = rowNorms64(x, n, d);
    const r = Float64Array.from({ length: n }, (_, i) => 0.5 + ((i * 7) % 5) / 5);
    const L = (i: number, j: number) => r[i] * (i === j ? (norms[i] > 0 ? 1 : 0) : unitCos(x, d, i, j)) * r[j];
    const picks = [3, 8, 0, 10];
    let d2 = Float64Array.from({ length: n }, (_, i) => L(i, i));
    const c = new Float64Array(picks.length * n);
    picks.forEach((j, t) => {
      const out = cpuDppUpdate({ x, rows: n, cols: d, norms, relevance: r, j, c: c.subarray(0, t * n), t, d2 });
      c.set(out.subarray(0, n), t * n);
      d2 = out.slice(n);
      // naive: d²_i = L_ii − L_iS L_SS⁻¹ L_Si with S = picks[0..t]
      const S = picks.slice(0, t + 1);
      const A = S.map((a) => S.map((b) => L(a, b)));
      for (let i = 0; i < n; i++) {
        if (S.includes(i)) continue;
        const v = solve(A, S.map((s) => L(s, i)));
        const q = S.reduce((acc, s, k) => acc + L(i, s) * v[k], 0);
        expect(d2[i]).toBeCloseTo(L(i, i) - q, 10);
      }
    });
  });
});

function solve(a: number[][], b: number[]): number[] {
  const n = b.length;
  const m = a.map((row, i) => [...row, b[i]]);
  for (let col = 0; col < n; col++) {
    let piv = col;
    for (let r = col + 1; r < n; r++) if (Math.abs(m[r][col]) > Math.abs(m[piv][col])) piv = r;
    [m[col], m[piv]] = [m[piv], m[col]];
    for (let r = 0; r < n; r++) {
      if (r === col) continue;
      const f = m[r][col] / m[col][col];
      for (let k = col; k <= n; k++) m[r][k] -= f * m[col][k];
    }
  }
  return m.map((row, i) => row[n] / row[i]);
}

describe('CPU helpers against brute force', () => {
  it('farthestRow = argmax of the nearest-neighbour distance, ties → lowest index', () => {
    for (const seed of [1, 2, 3, 4]) {
      const rows = 50;
      const x = randomMatrix(rows, 6, seed, seed % 2 ? [7, 30] : [], [[12, 40]]);
      const norms = rowNorms64(x, rows, 6);
      let best = -1;
      let bestD = -Infinity;
      for (let j = 0; j < rows; j++) {
        let nn = Infinity;
        for (let k = 0; k < rows; k++) if (k !== j) nn = Math.min(nn, 1 - unitCos(x, 6, j, k));
        if (nn > bestD + 1e-12) {
          bestD = nn;
          best = j;
        }
      }
      const got = farthestRow(x, rows, 6, norms);
      expect(got.index).toBe(best);
      expect(got.distance).toBeCloseTo(bestD, 12);
    }
    // all rows zero: every distance is 1, the lowest index wins
    expect(farthestRow(new Float32Array(20), 5, 4, new Float64Array(5))).toEqual({ index: 0, distance: 1 });
  });

  it('NeighbourLists answers exact maxima, also after its short lists run out', () => {
    const rows = 60;
    const x = randomMatrix(rows, 5, 17, [9]);
    const norms = rowNorms64(x, rows, 5);
    const lists = new NeighbourLists(x, rows, 5, norms, 2);
    let residual = Int32Array.from({ length: rows }, (_, i) => i);
    lists.build(residual);
    const next = mulberry32(5);
    while (residual.length > 6) {
      const queries = residual.filter((_, i) => i % 2 === 0);
      const candidates = residual.filter((_, i) => i % 2 === 1);
      const got = lists.maxAgainst(queries, candidates, residual);
      queries.forEach((q, p) => {
        let best = -Infinity;
        for (const c of candidates) best = Math.max(best, unitCos(x, 5, q, c));
        expect(got[p]).toBeCloseTo(best, 12);
      });
      residual = residual.filter(() => next() % 5 !== 0);
    }
    expect(lists.refreshes).toBeGreaterThan(0);
  });
});

describe('methods through the kernel registry (the GPU code path)', () => {
  const calls: string[] = [];
  const testBackend: KernelBackend = {
    name: 'test-cpu',
    priority: 5,
    minWork: 0,
    available: async () => true,
    supports: (k) => k === 'maxSimilarity' || k === 'maxMinUpdate' || k === 'dppUpdate',
    run: async (k, input) => {
      calls.push(k);
      return runCpuKernel(k, input);
    },
  };
  let lossy = 0;
  const lostBackend: KernelBackend = {
    ...testBackend,
    name: 'test-lost',
    run: async () => {
      lossy++;
      throw new DeviceLostError('test-lost', 'device lost (test)');
    },
  };
  kernelRegistry().register(testBackend);
  kernelRegistry().register(lostBackend);
  afterAll(() => {
    kernelRegistry().unregister('test-cpu');
    kernelRegistry().unregister('test-lost');
  });
  const cases = loadCases('baselines', 'baseline-cases-7.json').filter(
    (c) => ['divprune', 'vispruner', 'cdpruner'].includes(c.method) && (c.input === 'bl-grid6-7.safetensors' || c.input === 'bl-zeros8-7.safetensors') && c.keep > 0 && c.keep < 36 && c.params.importantRatio !== 1,
  );

  it('named backend: same answers as the vectors, every heavy kernel dispatched', async () => {
    expect(cases.length).toBeGreaterThan(40);
    const failures: string[] = [];
    for (const c of cases) {
      const s = await getMethod(c.method).select(loadScene('baselines', c.input), c.keep, c.params, { backend: 'test-cpu' });
      const dispatched = !(c.method === 'cdpruner' && c.keep === 1); // one pick needs no dppUpdate
      if (s.backend !== (dispatched ? 'test-cpu' : 'cpu')) failures.push(`${c.method} ${c.keep}: backend ${s.backend}`);
      for (const d of baselineDiffs(c.expected, s)) failures.push(`${c.method} ${c.input} ${c.keep} ${JSON.stringify(c.params)}: ${d}`);
    }
    expect(failures).toEqual([]);
    expect(new Set(calls)).toEqual(new Set(['maxSimilarity', 'maxMinUpdate', 'dppUpdate']));
  });

  it('a lost device falls back to the CPU and says so', async () => {
    const c = cases.find((k) => k.method === 'divprune' && k.keep > 3);
    expect(c).toBeDefined();
    if (!c) return;
    const s = await getMethod('divprune').select(loadScene('baselines', c.input), c.keep, {}, { backend: 'test-lost' });
    expect(lossy).toBe(1);
    expect(s.backend).toBe('cpu');
    expect(s.keep).toEqual(c.expected.keep);
  });
});
