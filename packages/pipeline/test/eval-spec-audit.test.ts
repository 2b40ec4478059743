import { describe, expect, it } from 'vitest';
import { firstValueFrom } from 'rxjs';
import { resolveBudget, roundRatioTimes, writeSafetensors } from '@d2pruner/core';
import { evalBudget, evaluateFiles, scoreOutcome, type EvalLabels, type EvalOutcome } from '../src/index.js';

/** round(num / 10^d · n) half up, by integer arithmetic only: the oracle for ratios of d decimals. */
function roundDecimal(num: number, d: number, n: number): number {
  const scale = 10 ** d;
  const product = num * n;
  const whole = Math.floor(product / scale);
  return 2 * (product - whole * scale) >= scale ? whole + 1 : whole;
}

describe('eval budgets from ratios: n = max(1, round(r·N)) on r as written (docs/eval.md §2)', () => {
  it('a product that is exactly k + ½ as written rounds up, whatever its binary float is', () => {
    // 0.7·45 = 31.5 (the float product is 31.499999999999996)
    expect(evalBudget({ ratio: 0.7 }, 45)).toBe(32);
    // 0.35·90 = 31.5, 0.29·50 = 14.5, 0.58·25 = 14.5, 0.57·50 = 28.5
    expect(evalBudget({ ratio: 0.35 }, 90)).toBe(32);
    expect(evalBudget({ ratio: 0.29 }, 50)).toBe(15);
    expect(evalBudget({ ratio: 0.58 }, 25)).toBe(15);
    expect(evalBudget({ ratio: 0.57 }, 50)).toBe(29);
    // ties that floats already hold exactly, and the max(1, ·) floor
    expect(evalBudget({ ratio: 0.5 }, 45)).toBe(23);
    expect(evalBudget({ ratio: 0.1 }, 5)).toBe(1);
    expect(evalBudget({ ratio: 0.05 }, 9)).toBe(1);
    expect(evalBudget({ ratio: 1e-7 }, 576)).toBe(1);
    expect(evalBudget({ ratio: 0.25 }, 0)).toBe(1);
    expect(evalBudget({ ratio: 1 }, 45)).toBe(45);
  });

  it('every ratio of up to three decimals on up to 600 tokens: the integer-arithmetic rounding', () => {
    const wrong: string[] = [];
    for (let d = 1; d <= 3; d++) {
      for (let num = 1; num <= 10 ** d; num++) {
        const ratio = num / 10 ** d;
        for (let n = 0; n <= 600; n++) if (roundRatioTimes(ratio, n) !== roundDecimal(num, d, n)) wrong.push(`${ratio}·${n}`);
      }
    }
    expect(wrong).toEqual([]);
  });

  it('exponent forms and bad arguments', () => {
    expect(roundRatioTimes(2.5e-3, 200)).toBe(1); // 0.5 → 1
    expect(roundRatioTimes(1.5e-7, 10_000_000)).toBe(2); // 1.5 → 2
    expect(roundRatioTimes(0, 10)).toBe(0);
    expect(() => roundRatioTimes(-0.1, 10)).toThrow(expect.objectContaining({ field: 'ratio' }) as Error);
    expect(() => roundRatioTimes(1.5, 10)).toThrow(expect.objectContaining({ field: 'ratio' }) as Error);
    expect(() => roundRatioTimes(0.5, 1.5)).toThrow(expect.objectContaining({ field: 'n' }) as Error);
  });

  it('prune budgets (core resolveBudget) round the same way, so eval and prune --ratio agree', () => {
    expect(resolveBudget({ ratio: 0.7 }, 45)).toBe(32);
    expect(resolveBudget({ ratio: 0.29 }, 50)).toBe(15);
    expect(resolveBudget({ ratio: 0 }, 45)).toBe(0);
    expect(resolveBudget({ ratio: 0.1 }, 576)).toBe(58);
  });

  it('evaluateFiles keeps 32 of 45 tokens at ratio 0.7, and the referent share follows', async () => {
    // 45 tokens, attention decreasing with the index (FastV keeps 0…n−1); object 1 on token 0, the referent 4 on 30–44
    const object = Float32Array.from({ length: 45 }, (_, i) => (i === 0 ? 1 : i >= 30 ? 4 : -1));
    const bytes = writeSafetensors(
      { attention: { shape: [45], data: Float32Array.from({ length: 45 }, (_, i) => (45 - i) / 1000) }, object: { shape: [45], data: object } },
      { 'd2pruner.referent': '4', 'd2pruner.layout': JSON.stringify({ frames: [{ rows: 5, cols: 9 }], frame: Array(45).fill(0), row: Array.from({ length: 45 }, (_, i) => Math.floor(i / 9)), col: Array.from({ length: 45 }, (_, i) => i % 9) }) },
      { object: 'I32' },
    );
    const report = await firstValueFrom(evaluateFiles([{ name: 'e', bytes }], { runs: [{ method: 'fastv', budget: { ratio: 0.7 } }] }));
    // K = {0…31}: referent tokens 30, 31 of 15 → share 2 / min(15, 32)
    expect(report.results[0]).toMatchObject({ files: 1, skipped: 0, kept: 32, keptRatio: 32 / 45, referentHit: 1, referentShare: 2 / 15, objectRecall: 1 });
  });
});

describe('scoreOutcome: what the report counts as skipped', () => {
  const labels: EvalLabels = { object: Int32Array.from([0, 0, 1, -1]), referent: 1 };
  const run = { method: 'vispruner', budget: { keep: 2 } };
  const outcome = (keep: number[]): EvalOutcome => ({ file: 'f', fileIndex: 0, run, n: 2, labels, selection: { method: 'vispruner', n: 4, budget: 2, keep, backend: 'cpu', timings: {} }, ms: 1 });

  it('a selection of another size than min(n, N) is a skip naming keep; a good one has its metrics', () => {
    expect(scoreOutcome(outcome([0, 1, 2, 3])).error).toMatchObject({ code: 'INVALID_INPUT', field: 'keep' });
    // K = {0, 2}: hit 1, share 1 / min(1, 2), objects {0, 1} both kept
    expect(scoreOutcome(outcome([0, 2])).metrics).toEqual({ referentHit: 1, referentShare: 1, objectRecall: 1, kept: 2 });
    expect(scoreOutcome({ file: 'f', fileIndex: 0, run, ms: 0 }).error).toMatchObject({ code: 'INTERNAL', field: 'selection' });
  });
});
