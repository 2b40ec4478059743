import { describe, expect, it, vi } from 'vitest';
import { getMethod } from '../src/index.js';
import { DppScreen } from '../src/baselines/dpp-screen.js';
import { baselineDiffs, loadCases, loadScene, sceneTokens, type VectorCase } from './vectors.js';

/*
 * Every case of fixtures/vectors/baselines/baseline-cases-7.json (docs/baselines.md §10) through the
 * Method API, except VisPruner (baselines-vispruner.test.ts): keep and every diagnostic field,
 * "f64" and "ties" cases included. Expected values come from the independent reference.
 */

const CASES = loadCases('baselines', 'baseline-cases-7.json');

/** Case counts per method in baseline-cases-7.json (§10: 1525 in all). */
const COUNTS: Record<string, number> = { fastv: 118, dart: 323, divprune: 53, visionzip: 224, cdpruner: 265, uniform: 53, random: 159 };

async function run(c: VectorCase): Promise<string[]> {
  const n = sceneTokens('baselines', c.input);
  const s = await getMethod(c.method).select(loadScene('baselines', c.input), c.keep, c.params);
  const diffs = baselineDiffs(c.expected, s);
  const sorted = s.keep.every((v, i) => i === 0 || s.keep[i - 1] < v);
  if (!sorted || s.keep.length !== Math.min(c.keep, n)) diffs.push(`keep is not ${Math.min(c.keep, n)} sorted distinct indices`);
  if (typeof s.timings.totalMs !== 'number' || s.backend !== 'cpu' || s.method !== c.method || s.n !== n || s.budget !== c.keep) diffs.push('selection header');
  return diffs.map((d) => `${c.method} ${c.input} n=${c.keep} ${JSON.stringify(c.params)}: ${d}`);
}

describe('baseline vectors (baseline-cases-7.json)', () => {
  it('holds 1525 cases', () => {
    expect(CASES).toHaveLength(1525);
  });

  for (const [method, count] of Object.entries(COUNTS)) {
    it(`${method}: all ${count} cases`, async () => {
      const cases = CASES.filter((c) => c.method === method);
      expect(cases).toHaveLength(count);
      const failures: string[] = [];
      for (const c of cases) failures.push(...(await run(c)));
      expect(failures.slice(0, 10)).toEqual([]);
    }, 120_000);
  }

  it('cdpruner: all 265 cases with the float32 screen forced on (the vector scenes are below its size threshold)', async () => {
    const worthwhile = vi.spyOn(DppScreen, 'worthwhile').mockReturnValue(true);
    try {
      const cases = CASES.filter((c) => c.method === 'cdpruner');
      const failures: string[] = [];
      for (const c of cases) failures.push(...(await run(c)));
      expect(failures.slice(0, 10)).toEqual([]);
      expect(worthwhile).toHaveBeenCalled();
      let screens = 0;
      for (const c of cases.slice(0, 40)) screens += Number((await getMethod('cdpruner').select(loadScene('baselines', c.input), c.keep, c.params)).timings.screens ?? 0);
      expect(screens).toBeGreaterThan(100);
    } finally {
      worthwhile.mockRestore();
    }
  }, 120_000);

  it('covers the f64 and ties tiers and both DART pivot orders', () => {
    const tally = (pred: (c: VectorCase) => boolean) => CASES.filter(pred).length;
    expect(tally((c) => c.method === 'cdpruner' && c.f64 === true)).toBe(3);
    expect(tally((c) => c.ties === true && c.method !== 'vispruner')).toBe(135);
    expect(tally((c) => c.method === 'dart' && c.params.pivotOrder === 'cpython-set')).toBe(106);
  });
});
