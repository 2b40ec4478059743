import { describe, expect, it } from 'vitest';
import { gridLayout } from '@d2pruner/core';
import { debiasedImportance, fitTrendBeta, PriorAccumulator, rankOrder, ROPE_MAX_COSINES, ropePrior, topK } from '../src/index.js';

describe('rank order', () => {
  it('descending, ties to the lower index', () => {
    expect(Array.from(rankOrder([1, 3, 3, 2, 3]))).toEqual([1, 2, 4, 3, 0]);
  });
  it('topK equals the prefix of rankOrder', () => {
    const s = Array.from({ length: 500 }, (_, i) => ((i * 7919) % 97) / 7);
    for (const k of [0, 1, 5, 50, 124, 499, 500]) expect(Array.from(topK(s, k))).toEqual(Array.from(rankOrder(s).slice(0, k)));
  });
  it('topK: k that is not an integer ≥ 0 is INVALID_INPUT naming k (was a RangeError, or silently 1 or 0 entries)', () => {
    const s = Float32Array.from([0.1, 0.4, 0.2, 0.3]);
    for (const k of [-1, 1.5, Number.NaN, '2' as unknown as number]) expect(() => topK(s, k)).toThrow(expect.objectContaining({ code: 'INVALID_INPUT', field: 'k' }));
    expect(Array.from(topK(s, 10))).toEqual([1, 3, 2, 0]);
  });

  /** The definition, written out: a comparator on `<` and the index. */
  const byDefinition = (s: ArrayLike<number>) =>
    Array.from({ length: s.length }, (_, i) => i).sort((a, b) => (s[a] > s[b] ? -1 : s[a] < s[b] ? 1 : a - b));
  const special = [0, -0, 1, -1, 0.5, -0.5, Infinity, -Infinity, Number.MIN_VALUE, -Number.MIN_VALUE, 2.2250738585072014e-308, Number.MAX_VALUE, -Number.MAX_VALUE, 1 + 2 ** -52, 1 - 2 ** -53];
  it('radix path (N ≥ 64) equals the definition on signs, zeros, infinities, subnormals and ties', () => {
    let seed = 7;
    const rand = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    for (const n of [64, 65, 577, 3328]) {
      const s = Array.from({ length: n }, () => {
        const u = rand();
        if (u < 0.3) return special[Math.floor(rand() * special.length)];
        if (u < 0.5) return Math.floor(rand() * 4) / 4;
        return (rand() - 0.5) * 10 ** Math.floor(rand() * 20 - 10);
      });
      expect(Array.from(rankOrder(s))).toEqual(byDefinition(s));
      expect(Array.from(rankOrder(Float32Array.from(s)))).toEqual(byDefinition(Float32Array.from(s)));
    }
  });
  it('radix path: all equal, already sorted, reversed', () => {
    const n = 200;
    for (const s of [new Float64Array(n).fill(3), Float64Array.from({ length: n }, (_, i) => n - i), Float64Array.from({ length: n }, (_, i) => i)]) {
      expect(Array.from(rankOrder(s))).toEqual(byDefinition(s));
    }
  });
  it('a NaN score keeps the comparator order (no exception, a permutation)', () => {
    const s = Array.from({ length: 100 }, (_, i) => (i === 50 ? NaN : i % 7));
    expect(Array.from(rankOrder(s)).sort((a, b) => a - b)).toEqual(Array.from({ length: 100 }, (_, i) => i));
  });
});

describe('debias strategies', () => {
  const a = Float32Array.from([0.1, 0.2, 0.4]);
  it('none and prior', () => {
    expect(Array.from(debiasedImportance(a, { debias: 'none' }))).toEqual([0.1, 0.2, 0.4].map(Math.fround));
    const b = Float32Array.from([0.1, 0.4, 0.4]);
    const i = debiasedImportance(a, { prior: b });
    expect(i[0]).toBeCloseTo(Math.fround(0.1) / (Math.fround(0.1) + 1e-7), 12);
    expect(i[1]).toBeCloseTo(0.5, 6);
  });
  it('prior without a prior tensor is a typed error', () => {
    expect(() => debiasedImportance(a, { debias: 'prior' })).toThrow(expect.objectContaining({ code: 'MISSING_TENSOR', field: 'prior' }));
  });
  it('trend fit recovers a planted exponential rate', () => {
    const beta = 0.01;
    const prior = Float32Array.from({ length: 200 }, (_, s) => 0.002 * Math.exp(beta * s));
    expect(fitTrendBeta([prior])).toBeCloseTo(beta, 6);
    const flat = debiasedImportance(prior, { debias: 'trend', prior });
    expect(flat[199] / flat[0]).toBeCloseTo(1, 4);
  });
  it('rope prior: a distribution over keys that favours the nearest positions', () => {
    const p = ropePrior({ headDim: 128, base: 10000, queryPosition: 700, visualStart: 35 }, 576);
    const sum = p.reduce((x, y) => x + y, 0);
    expect(sum).toBeGreaterThan(0);
    expect(sum).toBeLessThan(1);
    expect(p[575]).toBeGreaterThan(p[0]);
    expect(() => ropePrior({ headDim: 127, base: 10000, queryPosition: 10 }, 2)).toThrow(expect.objectContaining({ field: 'rope.headDim' }));
  });
  it('rope prior: a cost over ROPE_MAX_COSINES is refused at once, naming rope.queryPosition', () => {
    const t0 = performance.now();
    // (2^23 + 1) positions × 64 frequencies > 2^28
    expect(() => ropePrior({ headDim: 128, base: 10000, queryPosition: 2 ** 23 }, 4)).toThrow(expect.objectContaining({ code: 'INVALID_INPUT', field: 'rope.queryPosition' }));
    expect(() => ropePrior({ headDim: 4096, base: 10000, queryPosition: 2 ** 18 }, 4)).toThrow(expect.objectContaining({ field: 'rope.queryPosition' }));
    expect(performance.now() - t0).toBeLessThan(1000); // at once: the work it guards against took seconds to minutes
    expect(ROPE_MAX_COSINES).toBe(2 ** 28);
  });
  it('rope prior: a token count past the keys is refused before anything is allocated', () => {
    const t0 = performance.now();
    // 1e9 visual positions after 35 cannot fit under query position 100: used to allocate 12 GB and run for 40 s first
    expect(() => ropePrior({ headDim: 128, base: 10000, queryPosition: 100, visualStart: 35 }, 1e9)).toThrow(expect.objectContaining({ code: 'INVALID_INPUT', field: 'rope.positions' }));
    expect(() => ropePrior({ headDim: 128, base: 10000, queryPosition: 100 }, -1)).toThrow(expect.objectContaining({ field: 'n' }));
    expect(() => ropePrior({ headDim: 128, base: 10000, queryPosition: 100, visualStart: 0.5 }, 4)).toThrow(expect.objectContaining({ field: 'rope.visualStart' }));
    expect(performance.now() - t0).toBeLessThan(1000); // at once: the work it guards against took seconds to minutes
  });
  it('rope prior: a base ≤ 0 or fractional positions are INVALID_INPUT, never NaN importance', () => {
    const a = Float32Array.from([0.1, 0.4, 0.2, 0.3]);
    expect(() => debiasedImportance(a, { debias: 'rope', rope: { headDim: 128, base: 0, queryPosition: 100 } })).toThrow(expect.objectContaining({ field: 'rope.base' }));
    expect(() => debiasedImportance(a, { debias: 'rope', rope: { headDim: 128, base: -2, queryPosition: 100 } })).toThrow(expect.objectContaining({ field: 'rope.base' }));
    const positions = [1, 2, 3, 4.5] as unknown as Int32Array;
    expect(() => debiasedImportance(a, { debias: 'rope', rope: { headDim: 128, base: 10000, queryPosition: 100, positions } })).toThrow(expect.objectContaining({ field: 'rope.positions' }));
    const ok = debiasedImportance(a, { debias: 'rope', rope: { headDim: 128, base: 10000, queryPosition: 100, positions: Int32Array.from([1, 2, 3, 4]) } });
    expect(Array.from(ok).every(Number.isFinite)).toBe(true);
  });
});

describe('prior accumulator', () => {
  it('streaming mean, rejects another layout', () => {
    const acc = new PriorAccumulator();
    const l = gridLayout(2, 2);
    acc.add(Float32Array.from([1, 2, 3, 4]), l);
    acc.add(Float32Array.from([3, 2, 1, 0]), l);
    expect(Array.from(acc.result().prior)).toEqual([2, 2, 2, 2]);
    expect(acc.samples).toBe(2);
    expect(acc.accepts(gridLayout(1, 4))).toBe(false);
    expect(() => acc.add(new Float32Array(4), gridLayout(1, 4))).toThrow(expect.objectContaining({ field: 'layout' }));
  });
});

describe('calls from plain JavaScript', () => {
  const typed = (f: () => unknown): unknown => {
    try {
      f();
    } catch (e) {
      return { name: (e as Error).constructor.name, code: (e as { code?: string }).code, field: (e as { field?: string }).field };
    }
    return 'no error';
  };

  it('null, a number or a string where scores, attention, options or a layout belong is INVALID_INPUT naming it, not a TypeError', () => {
    const bad = [null, undefined, 5, 'abc'] as unknown[];
    for (const x of bad) {
      expect(typed(() => rankOrder(x as number[])), String(x)).toMatchObject({ code: 'INVALID_INPUT', field: 'score' });
      expect(typed(() => topK(x as number[], 1)), String(x)).toMatchObject({ code: 'INVALID_INPUT', field: 'score' });
      expect(typed(() => debiasedImportance(x as Float32Array)), String(x)).toMatchObject({ code: 'INVALID_INPUT', field: 'attention' });
    }
    expect(typed(() => debiasedImportance(new Float32Array(4), null as never))).toMatchObject({ code: 'INVALID_INPUT', field: 'options' });
    expect(typed(() => new PriorAccumulator().add(new Float32Array(4), undefined as never))).toMatchObject({ code: 'INVALID_INPUT', field: 'layout' });
    // arrays and typed arrays still work
    expect(Array.from(rankOrder([1, 3, 2]))).toEqual([1, 2, 0]);
    expect(Array.from(topK(new Float64Array([1, 3, 2]), 2))).toEqual([1, 2]);
  });
});
