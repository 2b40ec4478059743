import { toErrorJson } from '@d2pruner/core';
import { defer, from, map, mergeMap, type Observable } from 'rxjs';
import { pullMap } from '../../concurrency/pull.js';
import type { EvalOutcome } from '../../eval/evaluate.js';
import { priorModelNamesOf } from '../../operators/prior.js';
import { checkEvalRuns, evalSourceName, evaluateOutcomes, readEvalSource, type EvalOptions, type EvalSource } from '../../eval/pipeline.js';
import { poolStages } from './operators.js';
import { poolCall } from './pool-call.js';
import type { PrunePool } from './prune-pool.js';
import { onWorkerBackend, type EvalFileOutcome } from './task.js';
import { onlyBuiltinMethods } from './worker-methods.js';

/** Options of {@link evaluateInPool}: the evaluation options and the pool. */
export interface PoolEvalOptions extends EvalOptions {
  /** The worker pool the files go to. */
  pool: PrunePool;
}

/**
 * `evaluateOutcomes` on a worker pool, one task per file: this thread reads each file (with
 * `readFile`, or takes the in-memory bytes, copied) and a worker decodes it, reads its labels
 * and runs every (method, budget) on it — one hand-over and one decode per file instead of one
 * per run, each run re-reading the file. Same outcomes, in the same order, as on this thread.
 * It falls back to one task per run (`poolStages`) when the work cannot go to a worker: custom
 * `stages`, a GPU `backend`, or methods other than the built-ins (registered, replaced or
 * removed at run time); a file whose worker died is evaluated again that way. That per-run
 * pipeline too reads paths on this thread with `readFile` and keeps the `layout` option, and
 * `priorModel`'s aliases are resolved here (a worker's adapter registry may be empty).
 * `concurrency` counts files in flight; progress counts files.
 */
export function evaluateInPool(sources: AsyncIterable<EvalSource> | Iterable<EvalSource>, options: PoolEvalOptions): Observable<EvalOutcome> {
  const { pool, ...rest } = options;
  const { readFile, layout, prior, priorLayout, priorModel, priorLayer, backend, ensureBackend } = rest;
  // resolved here, where the adapters are registered: a worker's registry may hold none
  const keyOptions = { layout, prior, priorLayout, priorModel, priorModelNames: priorModelNamesOf(rest), priorLayer, backend };
  // per run: paths are read here with the caller's `readFile`, whether the run goes to a worker or stays here
  const perRun = { ...rest, stages: rest.stages ?? poolStages(pool, { ...keyOptions, ensureBackend, readFile, readOnCaller: true }) };
  if (rest.stages || !onWorkerBackend({}, rest) || !onlyBuiltinMethods()) return evaluateOutcomes(sources, perRun);
  checkEvalRuns(rest.runs);
  const runs = [...rest.runs];

  // a file whose worker died is evaluated again with one task per run (no progress of its own)
  const oneFile: EvalOptions = { runs: rest.runs, readFile, ...keyOptions, ensureBackend, stages: perRun.stages };
  const perRunFile = (source: EvalSource, index: number): Observable<EvalOutcome> =>
    evaluateOutcomes([source], oneFile).pipe(map((o) => ({ ...o, fileIndex: index })));
  const runFile = (source: EvalSource, index: number): Observable<EvalOutcome> =>
    defer(async () => {
      try {
        const read = await readEvalSource(source, rest);
        // the caller's in-memory bytes are copied (a Node Buffer's `slice` is a view): moving them would detach the caller's buffer
        return { bytes: typeof source === 'string' ? read : new Uint8Array(read) };
      } catch (e) {
        return { error: toErrorJson(e) };
      }
    }).pipe(
      mergeMap((r) => {
        const file = evalSourceName(source);
        if ('error' in r) return from(runs.map((run): EvalOutcome => ({ file, fileIndex: index, run, error: r.error, ms: 0 })));
        const failed: EvalFileOutcome = { timings: {} };
        return poolCall((signal) => pool.evalFile(file, r.bytes, runs, keyOptions, { signal }), failed).pipe(
          mergeMap((outcome) =>
            outcome.outcomes ? from(outcome.outcomes.map((o, k) => ({ ...o, file, fileIndex: index, run: runs[k] }))) : perRunFile(source, index),
          ),
        );
      }),
    );
  return pullMap(sources, runFile, rest);
}
