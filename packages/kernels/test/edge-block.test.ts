import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { matrixFromRows } from '@d2pruner/core';
import { cosineErrorBound, cosineThresholds, cpuEdgeBlock, F32_UNIT_ROUNDOFF, resolveEdgeBlock, semanticEdge } from '../src/index.js';

describe('cosineErrorBound', () => {
  it('grows with the summation depth and exceeds the first-order float32 bound', () => {
    expect(cosineErrorBound(4096)).toBeGreaterThan(cosineErrorBound(1024));
    // blocked sums (chunks of 16) are far tighter than one sequential sum of d terms
    expect(cosineErrorBound(4096, { chunk: 4096 })).toBeGreaterThan(10 * cosineErrorBound(4096));
    for (const d of [1, 16, 131, 1024, 4096]) {
      const depth = Math.min(d, 16 + Math.ceil(d / 16));
      expect(cosineErrorBound(d)).toBeGreaterThanOrEqual(2 * depth * F32_UNIT_ROUNDOFF);
    }
  });

  it('bounds the error of float32 sequential cosines of random rows', () => {
    const d = 300;
    const b = cosineErrorBound(d, { chunk: d });
    let worst = 0;
    for (let t = 0; t < 200; t++) {
      const a = Float32Array.from({ length: d }, () => Math.random() - 0.5 + (t % 3));
      const c = Float32Array.from({ length: d }, () => Math.random() - 0.5 + (t % 2));
      let dot = 0;
      let na = 0;
      let nc = 0;
      let dot64 = 0;
      let na64 = 0;
      let nc64 = 0;
      for (let k = 0; k < d; k++) {
        dot = Math.fround(dot + Math.fround(a[k] * c[k]));
        na = Math.fround(na + Math.fround(a[k] * a[k]));
        nc = Math.fround(nc + Math.fround(c[k] * c[k]));
        dot64 += a[k] * c[k];
        na64 += a[k] * a[k];
        nc64 += c[k] * c[k];
      }
      const cos32 = Math.fround(dot * Math.fround(Math.fround(1 / Math.fround(Math.sqrt(na))) * Math.fround(1 / Math.fround(Math.sqrt(nc)))));
      worst = Math.max(worst, Math.abs(cos32 - dot64 / Math.sqrt(na64 * nc64)));
    }
    expect(worst).toBeLessThan(b);
  });
});

describe('cosineThresholds', () => {
  it('are sound: a cosine above hi or below lo decides the rule for every value within the bound', () => {
    fc.assert(
      fc.property(fc.double({ min: 0.01, max: 1, noNaN: true }), fc.double({ min: -0.5, max: 1.2, noNaN: true }), fc.double({ min: -1.2, max: 1.2, noNaN: true }), fc.double({ min: -1, max: 1, noNaN: true }), (alpha, theta, c, u) => {
        const bound = 1e-4;
        const { lo, hi } = cosineThresholds(alpha, theta, bound);
        const exact = c + u * bound;
        if (c > hi) expect(semanticEdge(exact, alpha, theta)).toBe(true);
        if (c < lo) expect(semanticEdge(exact, alpha, theta)).toBe(false);
      }),
      { numRuns: 5000 },
    );
  });

  it('are constant (nothing uncertain) when the rule is', () => {
    expect(cosineThresholds(0.5, 0.8, 1e-5)).toEqual({ lo: Infinity, hi: Infinity });
    expect(cosineThresholds(0, 0.5, 1e-5)).toEqual({ lo: Infinity, hi: Infinity });
    expect(cosineThresholds(0.5, -0.1, 1e-5)).toEqual({ lo: -Infinity, hi: -Infinity });
    const t = cosineThresholds(1, 0.8, 1e-5);
    expect(t.lo).toBeLessThan(0.8 - 1e-5);
    expect(t.hi).toBeGreaterThan(0.8 + 1e-5);
    expect(t.hi - t.lo).toBeLessThan(3e-5);
  });
});

describe('cpuEdgeBlock and resolveEdgeBlock', () => {
  it('decides the upper triangle exactly; resolution overrides uncertain pairs', () => {
    const x = matrixFromRows([[1, 0], [1, 0.1], [0, 1], [0, 0]]);
    const out = cpuEdgeBlock({ x, subset: Int32Array.of(0, 1, 2, 3), alpha: 1, theta: 0.8 });
    expect(out.uncertain.length).toBe(0);
    expect(out.bits[0]).toBe(0b10);
    const fake = { bits: new Uint32Array(4), uncertain: Int32Array.of(0, 1, 2, 3) };
    resolveEdgeBlock(fake, 4, (i, j) => i === 0 && j === 1);
    expect(Array.from(fake.bits)).toEqual([0b10, 0, 0, 0]);
  });
});
