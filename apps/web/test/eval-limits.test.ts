import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runLabelledEval } from '../src/eval/labelled.js';
import { EVAL_STRENGTH_RANGE, MAX_EVAL_SCENES, parseSceneCount, parseStrength } from '../src/eval/limits.js';

const html = readFileSync(resolve(import.meta.dirname, '../index.html'), 'utf8');

describe('the Evaluate tab limits', () => {
  it('the Scenes box takes whole numbers from 1 to 200; 1e6, 201, 0, 2.5 and an empty box are INVALID_ARGUMENT (count)', () => {
    expect(parseSceneCount('1')).toBe(1);
    expect(parseSceneCount('200')).toBe(200);
    for (const bad of ['1e6', '201', '0', '-3', '2.5', '', ' ', 'abc', 'Infinity']) {
      expect(() => parseSceneCount(bad), bad).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT', field: 'count' }));
    }
  });

  it('the Strength box takes numbers from 0 to 20; an empty box is an error, not 0', () => {
    expect(parseStrength('0')).toBe(0);
    expect(parseStrength('20')).toBe(20);
    expect(parseStrength('4.5')).toBe(4.5);
    for (const bad of ['', '  ', '-0.5', '20.5', '1e6', 'NaN', 'x']) {
      expect(() => parseStrength(bad), bad).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT', field: 'strength' }));
    }
  });

  it('the page shows the same limits in its boxes', () => {
    expect(html).toMatch(new RegExp(`id="eval-count" type="number" min="1" max="${MAX_EVAL_SCENES}"`));
    expect(html).toMatch(new RegExp(`id="eval-strength" type="number" min="${EVAL_STRENGTH_RANGE[0]}" max="${EVAL_STRENGTH_RANGE[1]}"`));
  });

  it('runLabelledEval refuses a count above 200 before making a scene (1e6 used to run for an hour and run out of memory)', async () => {
    for (const count of [201, 1e6]) {
      const progress: number[] = [];
      const t0 = performance.now();
      await expect(
        runLabelledEval({ scenes: { layout: 'llava-1.5', bias: 'none', strength: 0, seed: 1 }, count, methods: ['fastv'], budgets: [{ ratio: 0.1 }], onProgress: (d) => progress.push(d) }),
      ).rejects.toMatchObject({ code: 'INVALID_ARGUMENT', field: 'count' });
      expect(progress).toEqual([]);
      expect(performance.now() - t0).toBeLessThan(1000);
    }
  });
});
