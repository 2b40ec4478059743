import { describe, expect, it } from 'vitest';
import { readSafetensors, writeSafetensors, type D2PrunerError } from '@d2pruner/core';
import { MAX_OBJECT_ID, budgetsFromText, splitList, evalBudget, evalRuns, fileMetrics, labelsFromSafetensors, reportOfOutcomes, type EvalLabels, type EvalOutcome, type EvalRun } from '../src/index.js';

function errorOf(fn: () => unknown): D2PrunerError {
  try {
    fn();
  } catch (e) {
    return e as D2PrunerError;
  }
  throw new Error('expected a throw');
}

// 10 tokens: object 0 on 0–2, object 1 (referent) on 3–6, object 2 on 7, background 8–9.
const LABELS: EvalLabels = { object: Int32Array.from([0, 0, 0, 1, 1, 1, 1, 2, -1, -1]), referent: 1 };

describe('fileMetrics (docs/eval.md §2), values worked out by hand', () => {
  it('kept {3, 4, 8} at n = 3: hit 1, share 2/min(4,3) = 2/3, recall 1/3', () => {
    expect(fileMetrics([3, 4, 8], LABELS, 3)).toEqual({ referentHit: 1, referentShare: 2 / 3, objectRecall: 1 / 3, kept: 3 });
  });

  it('kept {0, 7} at n = 2: no referent token, recall 2/3', () => {
    expect(fileMetrics([0, 7], LABELS, 2)).toEqual({ referentHit: 0, referentShare: 0, objectRecall: 2 / 3, kept: 2 });
  });

  it('share is capped at 1 and uses min(|r|, n): all four referent tokens at n = 6 → 1', () => {
    expect(fileMetrics([3, 4, 5, 6, 0, 9], LABELS, 6).referentShare).toBe(1);
    expect(fileMetrics([3, 4, 5, 0, 7, 9], LABELS, 6).referentShare).toBe(3 / 4);
  });

  it('n above N keeps N tokens; no objects present → recall 1; no referent → recall only', () => {
    const all = Array.from({ length: 10 }, (_, i) => i);
    expect(fileMetrics(all, LABELS, 50)).toEqual({ referentHit: 1, referentShare: 1, objectRecall: 1, kept: 10 });
    expect(fileMetrics([0], { object: Int32Array.from([-1, -1]) }, 1)).toEqual({ objectRecall: 1, kept: 1 });
  });

  it('a selection of the wrong size or with repeated / out-of-range indices is a typed error naming keep', () => {
    expect(errorOf(() => fileMetrics([3, 4], LABELS, 3)).field).toBe('keep');
    expect(errorOf(() => fileMetrics([3, 3, 4], LABELS, 3)).field).toBe('keep');
    expect(errorOf(() => fileMetrics([3, 4, 10], LABELS, 3)).field).toBe('keep');
  });

  it('budgets: ratio → max(1, round(r·N)), keep as given, bad values are typed errors', () => {
    expect(evalBudget({ ratio: 0.1 }, 576)).toBe(58);
    expect(evalBudget({ ratio: 0.25 }, 10)).toBe(3);
    expect(evalBudget({ ratio: 0.01 }, 10)).toBe(1);
    expect(evalBudget({ keep: 64 }, 10)).toBe(64);
    expect(errorOf(() => evalBudget({ ratio: 0 }, 10)).field).toBe('ratio');
    expect(errorOf(() => evalBudget({ keep: 0 }, 10)).field).toBe('keep');
  });
});

describe('labelsFromSafetensors (docs/eval.md §1)', () => {
  const file = (metadata: Record<string, string>, object: number[] | null = [0, -1, 1]) =>
    readSafetensors(writeSafetensors(object ? { object: { shape: [object.length], data: Float32Array.from(object) } } : {}, metadata, { object: 'I32' }));

  it('reads object, referent and boxes', () => {
    const labels = labelsFromSafetensors(file({ 'd2pruner.referent': '1', 'd2pruner.objects': '[{"id":1,"box":[0,0,0.5,0.5]}]' }), 3);
    expect(Array.from(labels.object)).toEqual([0, -1, 1]);
    expect(labels.referent).toBe(1);
    expect(labels.objects).toEqual([{ id: 1, box: [0, 0, 0.5, 0.5] }]);
  });

  it('typed errors name the tensor or the metadata key', () => {
    expect(errorOf(() => labelsFromSafetensors(file({}, null), 3))).toMatchObject({ code: 'MISSING_TENSOR', field: 'object' });
    expect(errorOf(() => labelsFromSafetensors(file({}), 4))).toMatchObject({ code: 'SHAPE_MISMATCH', field: 'object' });
    expect(errorOf(() => labelsFromSafetensors(file({}, [0, -2, 1]), 3))).toMatchObject({ code: 'INVALID_INPUT', field: 'object' });
    expect(errorOf(() => labelsFromSafetensors(file({ 'd2pruner.referent': 'car' }), 3))).toMatchObject({ field: 'd2pruner.referent' });
    expect(errorOf(() => labelsFromSafetensors(file({ 'd2pruner.objects': '[{"id":1}]' }), 3))).toMatchObject({ field: 'd2pruner.objects[0]' });
  });

  it('ids must be below 2^24, where float32 still tells neighbours apart; the referent is an id ≥ 0', () => {
    expect(MAX_OBJECT_ID).toBe(16_777_216);
    expect(Array.from(labelsFromSafetensors(file({}, [16_777_215, -1, 0]), 3).object)).toEqual([16_777_215, -1, 0]);
    // 16,777,217 is written exactly as I32 but reads back rounded onto 16,777,216: refused, not merged with it
    for (const id of [16_777_216, 16_777_217, 2 ** 31 - 1]) {
      expect(errorOf(() => labelsFromSafetensors(file({}, [id, -1, 0]), 3)), String(id)).toMatchObject({ code: 'INVALID_INPUT', field: 'object' });
    }
    for (const referent of ['-1', '16777216', '1.5']) {
      expect(errorOf(() => labelsFromSafetensors(file({ 'd2pruner.referent': referent }), 3)), referent).toMatchObject({ code: 'INVALID_INPUT', field: 'd2pruner.referent' });
    }
  });
});

describe('evaluate: the reduction over outcomes', () => {
  const fastv: EvalRun = { method: 'fastv', budget: { ratio: 0.3 } };
  const dart: EvalRun = { method: 'dart', budget: { ratio: 0.3 } };
  const sel = (keep: number[]) => ({ method: 'fastv', n: 10, budget: keep.length, keep, backend: 'cpu', timings: {} });
  const outcome = (fileIndex: number, run: EvalRun, rest: Partial<EvalOutcome>): EvalOutcome => ({ file: `f${fileIndex}`, fileIndex, run, ms: 2, ...rest });

  it('means over the files that ran; skipped files are counted with their reason, never as zeros', () => {
    const missing = { code: 'MISSING_TENSOR' as const, field: 'keys', message: 'dart needs keys' };
    const report = reportOfOutcomes(
      [
        outcome(0, fastv, { n: 3, labels: LABELS, selection: sel([3, 4, 8]), ms: 1 }),
        outcome(0, dart, { error: missing }),
        outcome(1, fastv, { n: 3, labels: { object: LABELS.object }, selection: sel([0, 7, 9]), ms: 3 }),
        outcome(1, dart, { error: missing }),
        outcome(2, fastv, { n: 3, labels: LABELS, selection: sel([0, 7, 9]), ms: 5 }),
        outcome(2, dart, { error: missing }),
      ],
      [fastv, dart],
    );
    expect(report.files).toBe(3);
    expect(report.results[0]).toEqual({
      method: 'fastv',
      budget: { ratio: 0.3 },
      files: 3,
      skipped: 0,
      referentFiles: 2,
      referentHit: (1 + 0) / 2,
      referentShare: (2 / 3 + 0) / 2,
      objectRecall: (1 / 3 + 2 / 3 + 2 / 3) / 3,
      msPerFile: 3,
      kept: 3,
      keptRatio: 0.3,
    });
    expect(report.results[1]).toMatchObject({ method: 'dart', files: 0, skipped: 3, referentHit: null, objectRecall: null, skipReasons: [{ reason: '[MISSING_TENSOR] keys: dart needs keys', files: 3 }] });
  });

  it('a file without tokens (N = 0, empty keep) counts in the metrics but not in the kept ratio, which is |K|/N over files with N > 0', () => {
    const report = reportOfOutcomes([
      outcome(0, fastv, { n: 3, labels: LABELS, selection: sel([3, 4, 8]) }),
      // N = 0: n = max(1, round(0.3·0)) = 1, |K| = min(1, 0) = 0; no object present → recall 1; the referent has no token → hit 0, share 0
      outcome(1, fastv, { n: 1, labels: { object: new Int32Array(0), referent: 1 }, selection: sel([]) }),
    ]);
    expect(report.results[0]).toMatchObject({
      files: 2,
      referentHit: (1 + 0) / 2,
      referentShare: (2 / 3 + 0) / 2,
      objectRecall: (1 / 3 + 1) / 2,
      kept: (3 + 0) / 2,
      keptRatio: 3 / 10,
    });
    const empty = reportOfOutcomes([outcome(0, fastv, { n: 1, labels: { object: new Int32Array(0) }, selection: sel([]) })]);
    expect(empty.results[0]).toMatchObject({ files: 1, objectRecall: 1, kept: 0, keptRatio: null });
  });
});

describe('evalRuns', () => {
  it('every method × budget with its parameters; duplicates, unknown methods and bad budgets are typed errors', () => {
    expect(evalRuns(['d2pruner', 'fastv'], [{ ratio: 0.1 }, { ratio: 0.2 }], ['d2pruner.pivot-ratio=0.5'])).toEqual([
      { method: 'd2pruner', budget: { ratio: 0.1 }, params: { pivotRatio: 0.5 } },
      { method: 'd2pruner', budget: { ratio: 0.2 }, params: { pivotRatio: 0.5 } },
      { method: 'fastv', budget: { ratio: 0.1 } },
      { method: 'fastv', budget: { ratio: 0.2 } },
    ]);
    expect(errorOf(() => evalRuns(['fastv', 'fastv'], [{ ratio: 0.1 }])).field).toBe('methods');
    expect(errorOf(() => evalRuns(['fastv'], [{ ratio: 0.1 }, { ratio: 0.1 }])).field).toBe('ratio');
    expect(errorOf(() => evalRuns(['fastv'], [{ keep: 0 }])).field).toBe('keep');
    expect(errorOf(() => evalRuns(['nope'], [{ keep: 3 }])).code).toBe('UNKNOWN_NAME');
    expect(errorOf(() => evalRuns(['fastv'], [{ keep: 3 }], ['fastv.alpha=1'])).field).toBe('param');
    expect(errorOf(() => evalRuns(['d2pruner'], [{ keep: 3 }], ['d2pruner.alpha=7'])).field).toBe('alpha');
    // the duplicate is named by its own kind, whatever comes first
    expect(errorOf(() => evalRuns(['fastv'], [{ ratio: 0.1 }, { keep: 3 }, { keep: 3 }])).field).toBe('keep');
    for (const b of [{}, { ratio: 0.1, keep: 3 }]) expect(errorOf(() => evalRuns(['fastv'], [b as never])).field).toBe('budget');
  });

  it('budgetsFromText: decimal numbers only, and an empty list names the flag given', () => {
    expect(budgetsFromText(undefined, '64, 128')).toEqual([{ keep: 64 }, { keep: 128 }]);
    expect(budgetsFromText('0.25', undefined)).toEqual([{ ratio: 0.25 }]);
    expect(budgetsFromText(undefined, undefined)).toEqual([{ ratio: 0.1 }]);
    expect(errorOf(() => budgetsFromText(undefined, ''))).toMatchObject({ code: 'INVALID_ARGUMENT', field: 'keep' });
    expect(errorOf(() => budgetsFromText(undefined, '0x40'))).toMatchObject({ code: 'INVALID_ARGUMENT', field: 'keep' });
    expect(errorOf(() => budgetsFromText('0b1', undefined))).toMatchObject({ code: 'INVALID_ARGUMENT', field: 'ratio' });
    expect(errorOf(() => budgetsFromText('Infinity', undefined))).toMatchObject({ field: 'ratio' });
  });

  it('an empty entry in a list is an error naming its flag, not dropped (64,,128 is not 64,128)', () => {
    for (const [ratio, keep, field] of [
      [undefined, '64,,128', 'keep'],
      [undefined, '64,', 'keep'],
      [',0.1', undefined, 'ratio'],
      ['0.1, ,0.2', undefined, 'ratio'],
    ] as const) {
      const e = errorOf(() => budgetsFromText(ratio, keep));
      expect(e).toMatchObject({ code: 'INVALID_ARGUMENT', field });
      expect(e.message).toMatch(/empty entry/);
    }
    expect(errorOf(() => budgetsFromText(undefined, '  '))).toMatchObject({ code: 'INVALID_ARGUMENT', field: 'keep', message: expect.stringMatching(/at least one value/) as unknown as string });
    expect(errorOf(() => splitList('d2pruner,,fastv', 'methods'))).toMatchObject({ code: 'INVALID_ARGUMENT', field: 'methods' });
    expect(splitList(' d2pruner , fastv ', 'methods')).toEqual(['d2pruner', 'fastv']);
    // without a field, as before: empty entries dropped
    expect(splitList('a,,b,')).toEqual(['a', 'b']);
  });
});
