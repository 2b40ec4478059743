import { describe, expect, it } from 'vitest';
import type { Layout } from '@d2pruner/core';
import { SpatialIndex } from '../src/spatial.js';

/** 40 tokens scattered on a frame of `side`², the same cells whatever the frame size. */
function scattered(side: number): Layout {
  const pts = Array.from({ length: 40 }, (_, k) => [(k * 7) % 13, (k * 11) % 17] as const);
  const uniq = [...new Map(pts.map((p) => [`${p[0]},${p[1]}`, p])).values()];
  return { frames: [{ rows: side, cols: side }], frame: new Int32Array(uniq.length), row: Int32Array.from(uniq, (p) => p[0]), col: Int32Array.from(uniq, (p) => p[1]) };
}

describe('SpatialIndex on a sparse frame (hash-indexed) agrees with the dense table', () => {
  it('every token has the same neighbours within every radius', () => {
    const small = new SpatialIndex(scattered(20));
    const huge = new SpatialIndex(scattered(4000));
    const n = small.layout.frame.length;
    for (const radius of [0, 1, 2, 5]) {
      for (let i = 0; i < n; i++) {
        const a: number[] = [];
        const b: number[] = [];
        small.someNeighbour(i, radius, (j) => (a.push(j), false));
        huge.someNeighbour(i, radius, (j) => (b.push(j), false));
        expect(b, `token ${i} radius ${radius}`).toEqual(a);
      }
    }
  });
});
