import { describe, expect, it } from 'vitest';
import { d2pruneDense, d2pruneLazy, getMethod } from '../src/index.js';
import { loadCases, loadScene } from './vectors.js';

const cases = loadCases('d2pruner', 'cases-7.json');

function expectMatches(result: { keep: number[]; pivots?: number[]; picks?: number[]; rounds?: number }, expected: Record<string, unknown>) {
  expect(result.keep).toEqual(expected.keep);
  expect(result.pivots).toEqual(expected.pivots);
  expect(result.picks).toEqual(expected.picks);
  expect(result.rounds).toBe(expected.rounds);
}

describe('D2Pruner spec vectors (fixtures/vectors/d2pruner/cases-7.json)', () => {
  it('has the full case list', () => {
    expect(cases.length).toBe(256);
  });

  it.each(cases.map((c, i) => [i, c] as const))('case %i: lazy path exact', (_i, c) => {
    expectMatches(d2pruneLazy(loadScene('d2pruner', c.input), c.keep, c.params), c.expected);
  });

  it.each(cases.map((c, i) => [i, c] as const))('case %i: dense path exact', async (_i, c) => {
    expectMatches(await d2pruneDense(loadScene('d2pruner', c.input), c.keep, c.params), c.expected);
  });

  it('every case through the registered Method API', async () => {
    const method = getMethod('d2pruner');
    for (const c of cases) {
      const s = await method.select(loadScene('d2pruner', c.input), c.keep, c.params);
      expectMatches(s, c.expected);
      expect(s.method).toBe('d2pruner');
      expect(s.backend).toBe('cpu');
    }
  });
});
