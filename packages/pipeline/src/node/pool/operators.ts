import { InvalidArgumentError, type Layout } from '@d2pruner/core';
import { getMethod } from '@d2pruner/methods';
import { map, mergeMap, of, type OperatorFunction } from 'rxjs';
import { batchStages, type BatchOptions } from '../../batch/batch.js';
import { bytesOf } from '../../operators/decode.js';
import { DEFAULT_METHOD } from '../../operators/prune.js';
import { concurrently, runStagesOnce } from '../../concurrency/jobs.js';
import { resolveConcurrency } from '../../concurrency/pool.js';
import { createJob, type PruneJob, type PruneRequest, type PruneSource } from '../../job.js';
import { priorModelNamesOf } from '../../operators/prior.js';
import { stage } from '../../stage.js';
import type { PrunePool } from './prune-pool.js';
import { onWorkerBackend, type WorkerDefaults } from './task.js';
import { isBuiltinMethod } from './worker-methods.js';

/**
 * Whether a job can run in a worker: its backend is one a worker runs ({@link onWorkerBackend})
 * and its method resolves, here, to a built-in one — a method registered in this thread at run
 * time (or a built-in replaced) exists only here, so such jobs run here.
 */
export function runsInWorker(job: PruneJob, defaults: { method?: string; backend?: string }): boolean {
  if (!onWorkerBackend(job.request, defaults)) return false;
  try {
    return isBuiltinMethod(getMethod(job.request.method ?? defaults.method ?? DEFAULT_METHOD));
  } catch {
    return false;
  }
}

/** Options of {@link poolStages}: the batch options, plus where string inputs are read. */
export interface PoolStageOptions extends Omit<BatchOptions, 'stages' | 'concurrency' | 'ordered' | 'bufferSize'> {
  /**
   * Read string inputs on the calling thread with `readFile` and send the bytes (a server's
   * sample names); default false: the worker reads the path itself (a batch file's paths).
   */
  readOnCaller?: boolean;
}

/** What a worker needs of the batch options (all structured-cloneable): defaults, the prior and its key. */
export function defaultsOf(options: PoolStageOptions): WorkerDefaults {
  const { method, backend, layout, prior, priorLayout, priorModel, priorLayer, params, budget } = options;
  // the names are resolved here, where the adapters are registered: a worker's registry may hold none
  return { method, backend, layout, prior, priorLayout, priorModel, priorModelNames: priorModelNamesOf(options), priorLayer, params, budget };
}

/**
 * The per-request pipeline of a batch run in `pool` (a drop-in for `batchStages`, e.g. as
 * `BatchOptions.stages`): each job's request goes to a worker, which reads, decodes and prunes
 * it, and the selection (or typed error) comes back as the job's `budget`, `selection`,
 * `timings` (`poolMs` is the round trip, queueing included) and `error`. Tearing the job down
 * (unsubscribe, a `timeout`) aborts its task and terminates the worker that runs it. Jobs that
 * cannot run in a worker ({@link runsInWorker}: GPU backends, methods registered at run time)
 * run `batchStages(options)` here.
 */
export function poolStages(pool: PrunePool, options: PoolStageOptions = {}): OperatorFunction<PruneJob, PruneJob> {
  const defaults = defaultsOf(options);
  const here = batchStages(options);
  const remote = stage(
    'pool',
    async (job, { signal }) => {
      let request = job.request;
      if (options.readOnCaller && typeof request.input === 'string') {
        if (!options.readFile) throw new InvalidArgumentError('readFile', 'readOnCaller needs a readFile');
        const read = await options.readFile(request.input, signal);
        request = { ...request, input: bytesOf(read) };
        try {
          const { budget, selection, timings, error } = await pool.prune(request, defaults, { signal });
          return { budget, selection, error, timings };
        } finally {
          if (!(read instanceof Uint8Array)) read.release();
        }
      }
      const { budget, selection, timings, error } = await pool.prune(request, defaults, { signal });
      return { budget, selection, error, timings };
    },
    { skipFinished: false },
  );
  return mergeMap((job: PruneJob) => of(job).pipe(runsInWorker(job, options) ? remote : here));
}

/** Options of {@link pruneInPool}. */
export interface PruneInPoolOptions extends PoolStageOptions {
  /** Requests in flight (default: the pool's workers). */
  concurrency?: number;
  /** Emit in input order (default true) or as requests finish. */
  ordered?: boolean;
}

/**
 * An RxJS operator that prunes every request (or bare source: path, bytes, decoded input) of
 * the source in `pool`, `concurrency` at a time, emitting the finished jobs (with `selection` or
 * `error`) in input order — or as they finish with `ordered: false` (plain `mergeMap`). A bad
 * request yields a job with `error` and the stream goes on; unsubscribing aborts the running
 * tasks. The building block for batch-style consumers such as an evaluation loop.
 */
export function pruneInPool(pool: PrunePool, options: PruneInPoolOptions = {}): OperatorFunction<PruneRequest | PruneSource, PruneJob> {
  // checked up front for both orders (the unordered path used to hand `concurrency: 0` to mergeMap, which never starts anything)
  const { concurrency, ordered } = resolveConcurrency({ concurrency: options.concurrency ?? pool.workers, ordered: options.ordered });
  const stages = poolStages(pool, options);
  const run: OperatorFunction<PruneJob, PruneJob> = ordered ? concurrently(stages, { concurrency }) : mergeMap((job: PruneJob) => runStagesOnce(job, stages), concurrency);
  return (source) =>
    source.pipe(
      map((request, index) => createJob(request, index)),
      run,
    );
}

/**
 * Calibration's decode run in `pool` (`CalibrateOptions.stages`): each input is read and decoded
 * in a worker and only its attention, model, layer and layout come back (moved, not copied).
 */
export function attentionStage(pool: PrunePool, layout?: Layout): OperatorFunction<PruneJob, PruneJob> {
  return stage('decode', async (job, { signal }) => {
    const { input, layout: l, timings, error } = await pool.attention(job.request.input, job.request.layout ?? layout, { signal });
    return { input, layout: l, error, timings };
  });
}
