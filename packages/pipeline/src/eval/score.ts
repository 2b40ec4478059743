import { toErrorJson, type ErrorJson } from '@d2pruner/core';
import type { EvalOutcome } from './evaluate.js';
import { fileMetrics, type FileMetrics } from './metrics.js';

/** An outcome scored: its metrics, or why it counts as skipped. */
export type OutcomeScore = { metrics: FileMetrics; error?: undefined } | { error: ErrorJson; metrics?: undefined };

/**
 * Scores one outcome as the eval report counts it (docs/eval.md §2–3): the file's metrics, or
 * the reason it is skipped — the run's own error, a run that produced no selection (`INTERNAL`,
 * naming `selection`), or a selection the metrics refuse (a typed error naming `keep`: |K| is not
 * min(n, N), or an index is repeated or out of range). The command line reports every such skip,
 * not only the runs that failed.
 */
export function scoreOutcome(o: EvalOutcome): OutcomeScore {
  if (o.error || !o.selection || !o.labels || o.n === undefined) return { error: o.error ?? { code: 'INTERNAL', field: 'selection', message: 'the run produced no selection' } };
  try {
    return { metrics: fileMetrics(o.selection.keep, o.labels, o.n) };
  } catch (e) {
    return { error: toErrorJson(e) };
  }
}
