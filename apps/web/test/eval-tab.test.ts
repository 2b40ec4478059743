import { describe, expect, it } from 'vitest';
import { runLabelledEval } from '../src/eval/labelled.js';

describe('the Evaluate tab (in Node: the same code the page runs)', () => {
  it('on strongly biased scenes at keep 10%, D2Pruner with the calibrated prior keeps more of the referent than FastV and DivPrune', { timeout: 120_000 }, async () => {
    const progress: number[] = [];
    const { report, samples } = await runLabelledEval({
      scenes: { layout: 'llava-1.5', bias: 'bottom', strength: 4, seed: 1 },
      count: 30,
      methods: ['d2pruner', 'fastv', 'divprune'],
      budgets: [{ ratio: 0.1 }],
      onProgress: (done) => progress.push(done),
    });
    expect(report.files).toBe(30);
    expect(progress.at(-1)).toBe(30);
    const share = Object.fromEntries(report.results.map((r) => [r.method, r.referentShare as number]));
    expect(share.d2pruner).toBeGreaterThan(share.fastv);
    expect(share.d2pruner).toBeGreaterThan(share.divprune);
    expect(report.results.every((r) => r.files === 30 && r.skipped === 0)).toBe(true);
    expect(samples).toHaveLength(3);
    expect(Object.keys(samples[0].kept)).toEqual(['d2pruner', 'fastv', 'divprune']);
  });
});
