import { describe, expect, it } from 'vitest';
import { gridLayout } from '@d2pruner/core';
import { debiasedImportance, fitTrendBeta, PriorAccumulator, rankOrder, ropePrior, topK } from '../src/index.js';

describe('rank order', () => {
  it('descending, ties to the lower index', () => {
    expect(Array.from(rankOrder([1, 3, 3, 2, 3]))).toEqual([1, 2, 4, 3, 0]);
  });
  it('topK equals the prefix of rankOrder', () => {
    const s = Array.from({ length: 500 }, (_, i) => ((i * 7919) % 97) / 7);
    for (const k of [0, 1, 5, 50, 124, 499, 500]) expect(Array.from(topK(s, k))).toEqual(Array.from(rankOrder(s).slice(0, k)));
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
