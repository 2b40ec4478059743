import { describe, expect, it } from 'vitest';
import { gridLayout, matrixFromRows } from '@d2pruner/core';
import { buildDenseGraph, isEdge, LazyGraph, shapeOf, SpatialIndex, validateEdgeRule } from '../src/index.js';

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
