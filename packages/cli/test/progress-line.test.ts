import { describe, expect, it } from 'vitest';
import { progressLine } from '../src/progress.js';

const event = (done: number, final = false) => ({ done, failed: 0, inFlight: 0, elapsedMs: 1, rate: 1, total: 2, final });

describe('progressLine', () => {
  it('clears the bar’s line before a message, and the next event draws the bar below it', () => {
    let err = '';
    const p = progressLine((t) => (err += t), 'eval', true);
    p.onProgress?.(event(1));
    p.message('eval: skipped a\n');
    p.message('eval: skipped b\n');
    p.onProgress?.(event(2, true));
    p.message('eval: done\n');
    expect(err).toBe('\reval [##########..........] 1/2 done, 0 failed, 1.0/s\r\x1b[Keval: skipped a\neval: skipped b\n\reval [####################] 2/2 done, 0 failed, 1.0/s\neval: done\n');
  });

  it('off a terminal: no bar, messages as they are', () => {
    let err = '';
    const p = progressLine((t) => (err += t), 'eval', false);
    expect(p.onProgress).toBeUndefined();
    p.message('eval: skipped a\n');
    expect(err).toBe('eval: skipped a\n');
  });
});
