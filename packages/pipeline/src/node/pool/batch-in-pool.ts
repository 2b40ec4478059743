import { resolve } from 'node:path';
import { concat, defer, mergeMap, of, tap, type Observable } from 'rxjs';
import { restoredResult } from '../../batch/line-result.js';
import { batchStages, jobResult, lineJob, pruneBatchResults, requestLines, type BatchOptions, type BatchResult, type NumberedLine } from '../../batch/batch.js';
import { resolveInputPath } from '../../batch/request.js';
import { pullMap } from '../../concurrency/pull.js';
import { ProgressTracker } from '../../progress.js';
import { doublingSizes, readyChunks } from './line-chunks.js';
import { defaultsOf, poolStages } from './operators.js';
import { poolCall } from './pool-call.js';
import type { PrunePool } from './prune-pool.js';
import { onWorkerBackend, type CallerLine, type LinesOutcome } from './task.js';
import { onlyBuiltinMethods } from './worker-methods.js';

/** Lines a worker runs per hand-over once a batch is going (fewer at its start). */
export const MAX_LINES_PER_TASK = 8;

/**
 * Characters a group of lines may reach before it closes (its first line always goes): lines
 * of requests are short, and a group of long (hostile) lines then holds no more memory in
 * flight than one of them.
 */
export const MAX_GROUP_CHARS = 2 ** 20;

/** The folder each resolver made by {@link nodePathResolver} joins paths to (a worker rebuilds it from that). */
const RESOLVER_DIRS = new WeakMap<(path: string) => string, string>();

/**
 * Resolves batch `input` paths against `baseDir` with Node's `path.resolve` (absolute paths kept),
 * in a form {@link pruneBatchInPool} can hand to its workers.
 */
export function nodePathResolver(baseDir: string): (path: string) => string {
  const fn = (path: string): string => resolve(baseDir, path);
  RESOLVER_DIRS.set(fn, baseDir);
  return fn;
}

/**
 * How the workers resolve paths (`baseDir` for `path.resolve`), or undefined when the options'
 * resolver exists only on this thread: none given (then the `baseDir` join of the batch, which
 * a worker cannot reproduce with `path.resolve`), or a caller's own function.
 */
function workerPaths(options: BatchOptions): { baseDir?: string } | undefined {
  if (options.resolvePath === undefined) return options.baseDir === undefined ? {} : undefined;
  const baseDir = RESOLVER_DIRS.get(options.resolvePath);
  return baseDir === undefined ? undefined : { baseDir };
}

/** Options of {@link pruneBatchInPool}: the batch options and the pool. */
export interface PoolBatchOptions extends BatchOptions {
  /** The worker pool the lines go to. */
  pool: PrunePool;
}

/**
 * A batch run on a worker pool with the lines handed over in groups: each worker parses, reads,
 * decodes, prunes and writes a group of consecutive lines, and this thread only forwards the
 * result lines — far less work here per request than one hand-over each, which on a machine
 * with as many workers as cores takes CPU from the workers. Results, error lines and order are
 * those of `pruneBatchResults` with `poolStages`, which it falls back to when the lines cannot
 * all go to workers as text: custom `stages`, a path resolver of the caller's own, a GPU default
 * `backend` (its lines run here), or methods other than the built-ins (registered, replaced or
 * removed at run time: the workers know only the built-ins). A line naming a GPU backend still
 * runs here; a group whose worker died is run again one line per task, so only the line that
 * killed it fails. `concurrency` counts groups in flight (default: two per worker); progress
 * counts lines (`isFailure` applies to each).
 */
export function pruneBatchInPool(lines: AsyncIterable<string> | Iterable<string>, options: PoolBatchOptions): Observable<BatchResult> {
  const { pool, ...rest } = options;
  const paths = workerPaths(rest);
  const perLine = { ...rest, concurrency: rest.concurrency ?? pool.workers, stages: poolStages(pool, rest) };
  // a GPU default backend: lines would go to a worker only to come back, so each is routed here
  const gpuDefault = !onWorkerBackend({}, rest);
  if (rest.stages || !paths || gpuDefault || !onlyBuiltinMethods()) return pruneBatchResults(lines, { ...perLine, stages: rest.stages ?? perLine.stages });
  const { onProgress, total, progressIntervalMs, now, isFailure = (r: unknown) => (r as BatchResult).error !== undefined, ...pullOptions } = rest;
  const concurrency = rest.concurrency ?? 2 * pool.workers;
  const defaults = defaultsOf(rest);
  const resolvePath = rest.resolvePath ?? ((p: string) => resolveInputPath(p, rest.baseDir));
  const here = batchStages(rest);
  const numbered = (async function* () {
    let index = 0;
    for await (const item of requestLines(lines)) yield { ...item, index: index++ };
  })();

  /** One line on this thread: a GPU backend's, or each line of a group whose worker died. */
  const onCaller = (item: NumberedLine & { index: number }, stages = here): Observable<BatchResult> => {
    const job = lineJob(item, item.index, resolvePath);
    return 'text' in job ? of(job) : jobResult(job, item.line, stages);
  };
  const settle = (group: (NumberedLine & { index: number })[], outcome: LinesOutcome): Observable<BatchResult> => {
    if (!outcome.results) return concat(...group.map((item) => onCaller(item, perLine.stages)));
    return concat(...outcome.results.map((r, k) => (isCallerLine(r) ? onCaller(group[k]) : of(restoredResult(r)))));
  };
  const runGroup = (group: (NumberedLine & { index: number })[], progress: ProgressTracker): Observable<BatchResult> =>
    defer(() => {
      for (let k = 0; k < group.length; k++) progress.started();
      // a group that failed as a whole (its worker died, the pool closed) is run again line by line
      const failed: LinesOutcome = { timings: {} };
      return poolCall((signal) => pool.lines(group, paths.baseDir, defaults, { signal }), failed).pipe(
        mergeMap((outcome) => settle(group, outcome)),
        tap((r) => progress.finished(isFailure(r))),
      );
    });
  const groups = readyChunks(numbered, doublingSizes(concurrency, MAX_LINES_PER_TASK), { weight: (item) => item.text.length, max: MAX_GROUP_CHARS });
  return defer(() => {
    // progress counts lines, from the subscription on; pullMap's own events count groups, and only
    // its final one goes on: it comes when the batch completes and when the source fails
    const progress = new ProgressTracker({ onProgress, total, progressIntervalMs, now });
    return pullMap(groups, (group) => runGroup(group, progress), { ...pullOptions, concurrency, onProgress: (e) => e.final && progress.complete() });
  });
}

function isCallerLine(r: BatchResult | CallerLine): r is CallerLine {
  return 'onCaller' in r;
}

