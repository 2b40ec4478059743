import { describe, expect, it } from 'vitest';
import { EvalCancelledError, runLabelledEval } from '../src/eval/labelled.js';

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

describe('cancelling the Evaluate tab run', () => {
  it('an aborted signal stops the evaluation between scenes and rejects with EvalCancelledError', { timeout: 120_000 }, async () => {
    const controller = new AbortController();
    const progress: number[] = [];
    const run = runLabelledEval({
      scenes: { layout: 'llava-1.5', bias: 'bottom', strength: 4, seed: 1 },
      count: 40,
      methods: ['d2pruner'],
      budgets: [{ ratio: 0.1 }],
      onProgress: (done) => {
        progress.push(done);
        if (done === 2) controller.abort();
      },
      signal: controller.signal,
    });
    await expect(run).rejects.toBeInstanceOf(EvalCancelledError);
    await new Promise((r) => setTimeout(r, 500));
    expect(Math.max(...progress)).toBeLessThan(40);
    await expect(runLabelledEval({ scenes: { layout: 'llava-1.5', bias: 'none', strength: 0, seed: 1 }, count: 2, methods: ['fastv'], budgets: [{ ratio: 0.1 }], signal: AbortSignal.abort() })).rejects.toBeInstanceOf(EvalCancelledError);
  });

  it('the run yields to the event loop between scenes: a timer (a click, in the page) cancels it mid-run', { timeout: 120_000 }, async () => {
    const controller = new AbortController();
    let done = 0;
    let ticks = 0;
    const ticker = setInterval(() => ticks++, 1);
    const run = runLabelledEval({
      scenes: { layout: 'llava-1.5', bias: 'bottom', strength: 4, seed: 1 },
      count: 60,
      methods: ['d2pruner', 'fastv'],
      budgets: [{ ratio: 0.1 }],
      onProgress: (d) => {
        done = d;
        if (d === 3) setTimeout(() => controller.abort(), 0);
      },
      signal: controller.signal,
    });
    try {
      await expect(run).rejects.toBeInstanceOf(EvalCancelledError);
    } finally {
      clearInterval(ticker);
    }
    expect(done).toBeGreaterThanOrEqual(3);
    expect(done).toBeLessThan(60);
    expect(ticks).toBeGreaterThan(0);
  });
});
