import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { gridLayout, uniformRng, type Layout, type TokenInput } from '@d2pruner/core';
import { LazyGraph } from '@d2pruner/graph';
import { d2pruneDense, d2pruneLazy, prepareD2Pruner, splitPivots } from '../src/index.js';

/** A random scene: an R×C grid (or two frames), features with clusters so that edges exist. */
function scene(seed: number, rows: number, cols: number, d: number, twoFrames: boolean): TokenInput {
  const rnd = uniformRng(seed);
  const n = rows * cols;
  const centres = Array.from({ length: 4 }, () => Array.from({ length: d }, () => rnd() * 2 - 1));
  const features = new Float32Array(n * d);
  for (let i = 0; i < n; i++) {
    const c = centres[Math.floor(rnd() * centres.length)];
    for (let k = 0; k < d; k++) features[i * d + k] = c[k] + (rnd() - 0.5) * 0.6;
  }
  // a few zero rows and exact duplicates exercise the cosine guards
  features.fill(0, 0, d);
  features.copyWithin(2 * d, 3 * d, 4 * d);
  const attention = Float32Array.from({ length: n }, () => Math.round(rnd() * 8) / 8);
  const prior = Float32Array.from({ length: n }, (_, i) => 0.5 + (i / n) * 0.5);
  let layout: Layout = gridLayout(rows, cols);
  if (twoFrames) {
    const half = Math.floor(n / 2);
    layout = {
      frames: [{ rows, cols }, { rows, cols }],
      frame: Int32Array.from({ length: n }, (_, i) => (i < half ? 0 : 1)),
      row: Int32Array.from({ length: n }, (_, i) => Math.floor((i < half ? i : i - half) / cols)),
      col: Int32Array.from({ length: n }, (_, i) => (i < half ? i : i - half) % cols),
    };
  }
  return { features: { rows: n, cols: d, data: features }, attention, prior, layout };
}

const paramsArb = fc.record({
  pivotRatio: fc.constantFrom(0, 0.3, 0.7, 1),
  theta: fc.constantFrom(0.2, 0.5, 0.8, 0.95),
  alpha: fc.constantFrom(0, 0.3, 0.5, 1),
  radius: fc.constantFrom(0, 1, 2),
  fallback: fc.constantFrom('rounds', 'importance'),
  debias: fc.constantFrom('prior', 'none'),
});

describe('D2Pruner properties', () => {
  it('lazy and dense graph paths agree on random inputs', async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 0, max: 2 ** 31 }), fc.integer({ min: 2, max: 9 }), fc.integer({ min: 2, max: 9 }), fc.boolean(), paramsArb, fc.nat(100), async (seed, r, c, two, params, k) => {
        const input = scene(seed, r, c, 8, two);
        const n = k % (r * c + 2);
        const lazy = d2pruneLazy(input, n, params);
        const dense = await d2pruneDense(input, n, params);
        expect([lazy.keep, lazy.pivots, lazy.picks, lazy.rounds]).toEqual([dense.keep, dense.pivots, dense.picks, dense.rounds]);
      }),
      { numRuns: 150 },
    );
  });

  it('round-1 picks form an independent set, and each round-1 skip was blocked (maximality)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** 31 }), paramsArb, fc.integer({ min: 1, max: 48 }), (seed, params, n) => {
        const input = scene(seed, 7, 7, 6, false);
        const s = d2pruneLazy(input, n, { ...params, fallback: 'rounds' });
        const p = prepareD2Pruner(input, n, params);
        const split = splitPivots(p);
        const g = new LazyGraph(p.features, p.layout, p.params);
        // round 1 = the picks until the first candidate that round 1 skipped is taken later
        const round1: number[] = [];
        const pickSet = new Set(s.picks);
        let taken = 0;
        for (const v of split.candidates) {
          if (taken === split.m) break;
          const blocked = round1.some((u) => g.hasEdge(u, v));
          if (!blocked) {
            expect(pickSet.has(v)).toBe(true);
            round1.push(v);
            taken++;
          }
        }
        expect(s.picks.slice(0, round1.length)).toEqual(round1);
        for (let i = 0; i < round1.length; i++) for (let j = i + 1; j < round1.length; j++) expect(g.hasEdge(round1[i], round1[j])).toBe(false);
      }),
      { numRuns: 100 },
    );
  });

  it('keeps exactly min(n, N) distinct sorted indices for every n in 0..N+2', () => {
    const input = scene(7, 5, 6, 8, false);
    const N = 30;
    for (const params of [{}, { alpha: 0.5 }, { fallback: 'importance' }, { pivotRatio: 0, theta: 0.1 }]) {
      for (let n = 0; n <= N + 2; n++) {
        const s = d2pruneLazy(input, n, params);
        expect(s.keep.length).toBe(Math.min(n, N));
        expect(new Set(s.keep).size).toBe(s.keep.length);
        expect(s.keep).toEqual([...s.keep].sort((a, b) => a - b));
        expect(s.keep.every((i) => i >= 0 && i < N)).toBe(true);
        if (n === 0 || n >= N) expect([s.pivots, s.picks, s.rounds]).toEqual([[], [], 0]);
      }
    }
  });

  it('ties go to the lower index, deterministically', () => {
    const n = 16;
    const input: TokenInput = {
      features: { rows: n, cols: 2, data: Float32Array.from({ length: 2 * n }, (_, i) => (i % 2 ? 1 : (i >> 1) % 3)) },
      attention: new Float32Array(n).fill(0.25),
      layout: gridLayout(4, 4),
    };
    const s = d2pruneLazy(input, 5, { pivotRatio: 0.6 });
    // all importances equal: pivots are the 3 lowest indices, candidates walk 3, 4, …
    expect(s.pivots).toEqual([0, 1, 2]);
    expect(s.picks[0]).toBe(3);
    expect(d2pruneLazy(input, 5, { pivotRatio: 0.6 })).toMatchObject({ keep: s.keep, picks: s.picks });
  });

  it('debiasing recovers a content peak that raw attention, biased by a positional ramp, misses', () => {
    const rows = 12;
    const cols = 12;
    const N = rows * cols;
    const ramp = Float32Array.from({ length: N }, (_, i) => Math.exp((4 * i) / N)); // bottom rows favoured
    const peaks = [13, 30, 40];
    const attention = Float32Array.from(ramp, (b, i) => b * (peaks.includes(i) ? 3 : 1));
    const features = { rows: N, cols: 4, data: Float32Array.from({ length: 4 * N }, (_, i) => ((i * 7919) % 13) - 6) };
    const input: TokenInput = { features, attention, prior: ramp, layout: gridLayout(rows, cols) };
    const raw = d2pruneLazy(input, 3, { pivotRatio: 1, debias: 'none' });
    const debiased = d2pruneLazy(input, 3, { pivotRatio: 1 });
    expect(debiased.pivots).toEqual(peaks);
    expect(raw.pivots.some((p) => peaks.includes(p))).toBe(false);
  });
});
