import { describe, expect, it } from 'vitest';
import { gridLayout, matrixFromRows, uniformRng, type Matrix } from '@d2pruner/core';
import { buildDenseGraph, edgeRuleOf, isEdge, LazyGraph, shapeOf, SpatialIndex, validateEdgeRule } from '../src/index.js';

describe('edge rule', () => {
  it('alpha 1 is cos > theta; alpha 0.5, theta 0.8 is adjacent and cos > 0.6', () => {
    expect(isEdge({ alpha: 1, theta: 0.8, radius: 1 }, 0.81, 0)).toBe(true);
    expect(isEdge({ alpha: 1, theta: 0.8, radius: 1 }, 0.79, 1)).toBe(false);
    expect(isEdge({ alpha: 0.5, theta: 0.8, radius: 1 }, 0.61, 1)).toBe(true);
    expect(isEdge({ alpha: 0.5, theta: 0.8, radius: 1 }, 0.99, 0)).toBe(false);
    expect(isEdge({ alpha: 0.5, theta: 0.8, radius: 1 }, 0.59, 1)).toBe(false);
  });
  it('shape: which pairs can be edges', () => {
    expect(shapeOf({ alpha: 0.5, theta: 0.8, radius: 1 })).toEqual({ nonSpatialPossible: false, adjacentAlwaysEdge: false, cosineUnused: false });
    expect(shapeOf({ alpha: 0, theta: 0.5, radius: 1 })).toEqual({ nonSpatialPossible: false, adjacentAlwaysEdge: true, cosineUnused: true });
    expect(shapeOf({ alpha: 1, theta: 0.8, radius: 1 }).nonSpatialPossible).toBe(true);
  });
  it('edgeRuleOf copies the three fields of a wider parameter object, and the lazy graph keeps that copy', () => {
    const params = { pivotRatio: 0.7, theta: 0.8, alpha: 1, radius: 2, eps: 1e-7, debias: 'prior' };
    const copy = edgeRuleOf(params);
    expect(copy).toEqual({ alpha: 1, theta: 0.8, radius: 2 });
    expect(Object.keys(copy)).toEqual(['alpha', 'theta', 'radius']);
    const features = matrixFromRows([[1, 0], [0.9, 0.1], [0, 1], [0.1, 0.9]]);
    const layout = gridLayout(2, 2);
    const graph = new LazyGraph(features, layout, params);
    expect(graph.rule).toEqual(copy);
    params.alpha = 0.5;
    expect(graph.rule.alpha).toBe(1);
  });
  it('validation names the field', () => {
    expect(() => validateEdgeRule({ alpha: 2, theta: 0.8, radius: 1 })).toThrow(expect.objectContaining({ field: 'alpha' }));
    expect(() => validateEdgeRule({ alpha: 1, theta: 0.8, radius: -1 })).toThrow(expect.objectContaining({ field: 'radius' }));
  });
});

describe('spatial index', () => {
  it('8-neighbourhood at radius 1, frames separate', () => {
    const layout = {
      frames: [{ rows: 3, cols: 3 }, { rows: 1, cols: 1 }],
      frame: Int32Array.from([0, 0, 0, 0, 0, 0, 0, 0, 0, 1]),
      row: Int32Array.from([0, 0, 0, 1, 1, 1, 2, 2, 2, 0]),
      col: Int32Array.from([0, 1, 2, 0, 1, 2, 0, 1, 2, 0]),
    };
    const s = new SpatialIndex(layout);
    const seen: number[] = [];
    s.someNeighbour(4, 1, (j) => (seen.push(j), false));
    expect(seen.sort()).toEqual([0, 1, 2, 3, 5, 6, 7, 8]);
    const corner: number[] = [];
    s.someNeighbour(0, 1, (j) => (corner.push(j), false));
    expect(corner.sort()).toEqual([1, 3, 4]);
    expect(s.adjacent(0, 9, 5)).toBe(0);
    expect(s.adjacent(0, 8, 2)).toBe(1);
    expect(s.adjacent(0, 8, 1)).toBe(0);
  });
});

describe('lazy vs dense graph', () => {
  it('agree on every pair, zero rows have cosine 0', async () => {
    const f = matrixFromRows([[1, 0], [0.9, 0.1], [0, 1], [0, 0], [-1, 0], [0.7, 0.7], [1, 0.01], [0.2, 1], [0, 0]]);
    const layout = gridLayout(3, 3);
    for (const rule of [{ alpha: 1, theta: 0.8, radius: 1 }, { alpha: 0.5, theta: 0.8, radius: 1 }, { alpha: 0.3, theta: 0.5, radius: 2 }, { alpha: 1, theta: -0.5, radius: 0 }]) {
      const lazy = new LazyGraph(f, layout, rule);
      const all = Int32Array.from({ length: 9 }, (_, i) => i);
      const dense = await buildDenseGraph(f, layout, rule, all);
      for (let i = 0; i < 9; i++) for (let j = 0; j < 9; j++) expect(lazy.hasEdge(i, j)).toBe(dense.hasEdge(i, j));
    }
    const lazy = new LazyGraph(f, layout, { alpha: 1, theta: -0.5, radius: 0 });
    expect(lazy.cosine.cos(3, 0)).toBe(0);
    expect(lazy.hasEdge(3, 8)).toBe(true); // cos(0,0) = 0 > −0.5
  });

  it('exact duplicates at alpha·1 = theta are not joined (cosine clamped to 1), SIMD or not', async () => {
    const row = [0.1, 0.7, 0.3, 0.123456, 0.9, 0.11, 0.5, 0.77, 0.31, 0.2, 0.6, 0.45, 0.05, 0.99, 0.4, 0.8, 0.15];
    const f = matrixFromRows([row, row, row, row]);
    const layout = gridLayout(2, 2);
    const rule = { alpha: 0.5, theta: 0.5, radius: 0 };
    const dense = await buildDenseGraph(f, layout, rule, Int32Array.from([0, 1, 2, 3]));
    for (const simd of [true, false]) {
      const lazy = new LazyGraph(f, layout, rule, { simd });
      for (let i = 0; i < 4; i++) for (let j = 0; j < 4; j++) {
        expect(lazy.hasEdge(i, j)).toBe(false);
        expect(dense.hasEdge(i, j)).toBe(false);
      }
    }
  });
});

/** Greedy MIS with rounds, written out here: `conflicts` answers each round check. */
function roundsGreedy(order: number[], m: number, conflicts: (v: number, members: number[]) => boolean): number[][] {
  const taken = new Set<number>();
  const rounds: number[][] = [];
  while (taken.size < m) {
    const members: number[] = [];
    for (const v of order) {
      if (taken.size === m) break;
      if (taken.has(v) || conflicts(v, members)) continue;
      members.push(v);
      taken.add(v);
    }
    rounds.push(members);
  }
  return rounds;
}

describe('screened round checks (int16 screen, float32 screen, exact recheck; ordered members)', () => {
  /** Clustered rows (few regions, many alike tokens), some pairs within 1e-8 of theta, zero, tiny and huge rows. */
  function scene(n: number, d: number, seed: number, theta: number, noise = 0.12): Matrix {
    const rand = uniformRng(seed);
    const centres = Array.from({ length: 5 }, () => Array.from({ length: d }, () => rand() - 0.5));
    const data = new Float32Array(n * d);
    for (let i = 0; i < n; i++) {
      const c = centres[Math.floor(rand() * centres.length)];
      for (let k = 0; k < d; k++) data[i * d + k] = c[k] + noise * (rand() - 0.5);
    }
    for (let p = 0; p + 1 < 12; p += 2) {
      // rows p and p+1: cos within ~1e-8 of theta
      data.fill(0, p * d, (p + 2) * d);
      data[p * d] = 1;
      data[(p + 1) * d] = theta + (p - 5) * 1e-9;
      data[(p + 1) * d + 1] = Math.sqrt(1 - theta * theta);
    }
    data.fill(0, 12 * d, 13 * d);
    for (let k = 0; k < d; k++) {
      data[13 * d + k] *= 1e-20;
      data[14 * d + k] *= 1e20;
    }
    return { rows: n, cols: d, data };
  }

  /** Rows on an arc of a great circle (angle φ_i ∈ [0, span)) plus a little noise: the triangle bound through a row between two others is nearly tight. */
  function arc(n: number, d: number, seed: number, span: number): Matrix {
    const rand = uniformRng(seed);
    const data = new Float32Array(n * d);
    for (let i = 0; i < n; i++) {
      const phi = rand() * span;
      data[i * d] = Math.cos(phi);
      data[i * d + 1] = Math.sin(phi);
      for (let k = 2; k < d; k++) data[i * d + k] = 0.004 * (rand() - 0.5);
    }
    return { rows: n, cols: d, data };
  }

  it('rows on an arc (triangle bound nearly tight): every round equals the exact greedy', () => {
    for (const [n, d, theta, span] of [[400, 32, 0.8, 2.5], [625, 64, 0.95, 1.2], [324, 16, 0.5, 3]] as const) {
      const side = Math.ceil(Math.sqrt(n));
      const f = arc(side * side, d, n, span);
      const layout = gridLayout(side, side);
      const rule = { alpha: 1, theta, radius: 1 };
      const screened = new LazyGraph(f, layout, rule);
      const exact = new LazyGraph(f, layout, rule, { simd: false });
      const order = Array.from({ length: side * side }, (_, i) => i);
      const m = Math.floor(order.length / 2);
      const fast = roundsGreedy(order, m, (v, members) => screened.conflicts(v, { members, has: (u) => members.includes(u) }));
      const slow = roundsGreedy(order, m, (v, members) => members.some((u) => exact.hasEdge(v, u)));
      expect(fast).toEqual(slow);
      expect(fast.length).toBeGreaterThan(3);
      expect(screened.impliedChecks, `arc n ${n} theta ${theta}`).toBeGreaterThan(0);
    }
  });

  it('every round equals the exact pair-by-pair greedy; near-threshold pairs are rechecked, alike ones implied', () => {
    // noise 0.23: tokens of a cluster have cos ≈ 0.95, so the triangle bound acos + acos straddles acos(0.8)
    const cases = [[200, 64, 0.8, 1, 0.12], [300, 33, 0.6, 1, 0.12], [150, 128, 0.7, 0.9, 0.12], [120, 16, 0.3, 0.6, 0.12], [400, 64, 0.8, 1, 0.23], [400, 256, 0.8, 0.95, 0.2]] as const;
    for (const [n, d, theta, alpha, noise] of cases) {
      const side = Math.ceil(Math.sqrt(n));
      const f = scene(side * side, d, n + d, theta, noise);
      const layout = gridLayout(side, side);
      const rule = { alpha, theta, radius: 1 };
      const exact = new LazyGraph(f, layout, rule, { simd: false });
      const rand = uniformRng(d);
      const order = Array.from({ length: side * side }, (_, i) => i);
      for (let i = order.length - 1; i > 12; i--) {
        const j = 13 + Math.floor(rand() * (i - 12));
        [order[i], order[j]] = [order[j], order[i]];
      }
      const m = Math.floor(order.length / 3);
      const slow = roundsGreedy(order, m, (v, members) => members.some((u) => exact.hasEdge(v, u)));
      for (const coarse of [true, false]) {
        const screened = new LazyGraph(f, layout, rule, { coarse });
        const fast = roundsGreedy(order, m, (v, members) => screened.conflicts(v, { members, has: (u) => members.includes(u) }));
        expect(fast).toEqual(slow);
        expect(fast.length).toBeGreaterThan(2);
        expect(screened.cosine.rechecks).toBeGreaterThan(0);
        if (coarse) expect(screened.cosine.refines, `n ${n} d ${d}: pairs near theta leave the int16 screen undecided`).toBeGreaterThan(0);
        else expect(screened.cosine.refines).toBe(0);
        expect(screened.impliedChecks, `n ${n} d ${d} noise ${noise} coarse ${coarse}`).toBeGreaterThan(0);
      }
    }
  });
});
