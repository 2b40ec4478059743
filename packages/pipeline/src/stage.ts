import { Observable, type OperatorFunction } from 'rxjs';
import { failJob, isFailed, type PruneJob } from './job.js';

/** What a stage function receives besides the job. */
export interface StageContext {
  /** Aborted when the stage is torn down (unsubscribe, error downstream) while the job is in flight. */
  readonly signal: AbortSignal;
  /**
   * Registers a cleanup for resources this job holds inside the stage (GPU buffers, file
   * handles). It runs only when the stage is torn down before the job is emitted; once emitted,
   * the job's new owner is responsible.
   */
  onTeardown(cleanup: () => void): void;
}

/**
 * The fields a stage adds or replaces on a job. `index` is fixed; `timings` entries are merged
 * into the job's (the stage adds its own `<name>Ms`).
 */
export type StagePatch = Partial<Omit<PruneJob, 'index' | 'timings' | 'request'>> & { request?: PruneJob['request']; timings?: Record<string, number> };

/** One stage's work on one job: a patch (nothing: the job unchanged), synchronously or as a promise. Throwing fails the job. */
export type StageFn = (job: PruneJob, context: StageContext) => StagePatch | PromiseLike<StagePatch>;

/** Options of {@link stage}. */
export interface StageOptions {
  /**
   * Pass jobs that already have a `selection` through untouched (default true): a trivial budget
   * resolved early skips the D2Pruner steps that follow.
   */
  skipFinished?: boolean;
  /** Record the stage's time in `job.timings` as `<name>Ms` (default true). */
  timed?: boolean;
}

function isPromiseLike<T>(x: T | PromiseLike<T>): x is PromiseLike<T> {
  return typeof (x as PromiseLike<T> | null)?.then === 'function';
}

/**
 * Gives back a lease that `fn` took for a job (a read buffer `decode` got) when its patch arrives
 * after teardown: nobody else ever sees it. The job's own lease is left alone, since the job may
 * be shared with another branch of the caller's pipeline.
 */
function releaseLatePatch(job: PruneJob, patch: StagePatch | null | undefined): void {
  const release = patch?.release;
  if (typeof release === 'function' && release !== job.release) release();
}

/**
 * Builds a pipeline stage from a function of one job (docs/architecture.md §3 item 5). The operator
 *
 * - runs `fn` on each job in arrival order, one at a time, and emits the patched job — at once
 *   when `fn` is synchronous, so sync stages keep the timing of their input;
 * - passes failed jobs (and, by default, finished ones) through untouched, and turns anything
 *   `fn` throws or rejects with into the job's `error`, so one bad item never ends the stream;
 * - forwards the source's `error` at once and its `complete` after the last queued job;
 * - on teardown drops queued jobs, aborts the in-flight job's {@link StageContext.signal} and runs
 *   the cleanups it registered; a patch that arrives afterwards is dropped, and a `release` it
 *   brought (a read buffer `decode` got) is called.
 *
 * Parallelism across jobs belongs to {@link concurrent} / {@link pullMap}, which run a whole
 * per-job pipeline for several jobs at once.
 */
export function stage(name: string, fn: StageFn, options: StageOptions = {}): OperatorFunction<PruneJob, PruneJob> {
  const skipFinished = options.skipFinished ?? true;
  const key = `${name}Ms`;
  const timed = options.timed ?? true;
  return (source) =>
    new Observable<PruneJob>((subscriber) => {
      const queue: PruneJob[] = [];
      let active: AbortController | undefined;
      let cleanups: (() => void)[] = [];
      let sourceDone = false;
      let draining = false;

      const finish = (job: PruneJob, t0: number, raw: { patch: StagePatch | null | undefined } | { error: unknown }): PruneJob => {
        active = undefined;
        cleanups = [];
        // a stage that only acts on the side (returns nothing) passes the job on unchanged
        const outcome: { patch: StagePatch } | { error: unknown } = 'patch' in raw ? { patch: raw.patch ?? {} } : raw;
        const base = 'patch' in outcome && outcome.patch.timings ? { ...job.timings, ...outcome.patch.timings } : job.timings;
        const timings = timed ? { ...base, [key]: (job.timings[key] ?? 0) + (performance.now() - t0) } : base;
        return 'patch' in outcome ? { ...job, ...outcome.patch, timings } : { ...failJob(job, outcome.error), timings };
      };

      const drain = () => {
        if (draining) return;
        draining = true;
        try {
          while (!active && queue.length > 0 && !subscriber.closed) {
            const job = queue.shift() as PruneJob;
            if (isFailed(job) || (skipFinished && job.selection !== undefined)) {
              subscriber.next(job);
              continue;
            }
            const controller = new AbortController();
            active = controller;
            const context: StageContext = { signal: controller.signal, onTeardown: (c) => cleanups.push(c) };
            const t0 = performance.now();
            let result: StagePatch | PromiseLike<StagePatch>;
            try {
              result = fn(job, context);
            } catch (e) {
              subscriber.next(finish(job, t0, { error: e }));
              continue;
            }
            if (!isPromiseLike(result)) {
              subscriber.next(finish(job, t0, { patch: result }));
              continue;
            }
            result.then(
              (patch) => {
                if (active !== controller) return releaseLatePatch(job, patch);
                subscriber.next(finish(job, t0, { patch }));
                drain();
              },
              (e: unknown) => {
                if (active !== controller) return;
                subscriber.next(finish(job, t0, { error: e }));
                drain();
              },
            );
          }
          if (sourceDone && !active && queue.length === 0) subscriber.complete();
        } finally {
          draining = false;
        }
      };

      const subscription = source.subscribe({
        next: (job) => {
          queue.push(job);
          drain();
        },
        error: (e: unknown) => subscriber.error(e),
        complete: () => {
          sourceDone = true;
          drain();
        },
      });

      return () => {
        subscription.unsubscribe();
        queue.length = 0;
        const controller = active;
        active = undefined;
        if (controller) {
          controller.abort();
          for (const c of cleanups) c();
          cleanups = [];
        }
      };
    });
}
