import { describe, expect, it } from 'vitest';
import { getMethod } from '../src/index.js';
import { baselineDiffs, loadCases, loadScene, sceneTokens, type VectorCase } from './vectors.js';

/*
 * The 330 VisPruner cases of baseline-cases-7.json (88 of them "f64", 65 "ties") through the
 * Method API. One group of cases is handled apart: with importantRatio = 1 and 0 < n < N the
 * diverse budget n_div is 0 and the reference vectors keep all N tokens (the residual list is
 * never pruned), as §5 read literally says, although it contradicts §1.5 (exactly min(n, N)
 * tokens). By default we reproduce the vectors; `exactBudget: true` keeps the n important tokens.
 */

const CASES = loadCases('baselines', 'baseline-cases-7.json').filter((c) => c.method === 'vispruner');

function divBudget(c: VectorCase): number {
  const rho = (c.params.importantRatio as number | undefined) ?? 0.5;
  return c.keep - Math.min(c.keep, Math.floor(c.keep * rho));
}

function isNoDiverse(c: VectorCase): boolean {
  const n = sceneTokens('baselines', c.input);
  return c.keep > 0 && c.keep < n && divBudget(c) === 0;
}

describe('VisPruner vectors', () => {
  it('has 330 cases, 88 f64 and 65 ties', () => {
    expect(CASES).toHaveLength(330);
    expect(CASES.filter((c) => c.f64)).toHaveLength(88);
    expect(CASES.filter((c) => c.ties)).toHaveLength(65);
  });

  it('reproduces the 229 cases with a diverse budget or a trivial budget exactly', async () => {
    const cases = CASES.filter((c) => !isNoDiverse(c));
    expect(cases).toHaveLength(229);
    const failures: string[] = [];
    for (const c of cases) {
      const s = await getMethod('vispruner').select(loadScene('baselines', c.input), c.keep, c.params);
      for (const d of baselineDiffs(c.expected, s)) failures.push(`${c.input} n=${c.keep} ${JSON.stringify(c.params)}: ${d}`);
    }
    expect(failures.slice(0, 10)).toEqual([]);
  }, 300_000);

  it('n_div = 0 (101 cases): the vectors exactly by default; exactBudget keeps the n important tokens', async () => {
    const cases = CASES.filter(isNoDiverse);
    expect(cases).toHaveLength(101);
    const failures: string[] = [];
    for (const c of cases) {
      const input = loadScene('baselines', c.input);
      const s = await getMethod('vispruner').select(input, c.keep, c.params);
      const tag = `${c.input} n=${c.keep}`;
      for (const d of baselineDiffs(c.expected, s)) failures.push(`${tag}: ${d}`);
      const exact = await getMethod('vispruner').select(input, c.keep, { ...c.params, exactBudget: true });
      const exp = c.expected as unknown as { important: number[] };
      if (JSON.stringify(exact.keep) !== JSON.stringify(exp.important) || exact.keep.length !== c.keep) failures.push(`${tag}: exactBudget keep is not the important set`);
    }
    expect(failures.slice(0, 10)).toEqual([]);
  }, 60_000);
});
