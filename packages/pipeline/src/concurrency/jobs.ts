import { D2PrunerError } from '@d2pruner/core';
import { map, of, toArray, type Observable, type OperatorFunction } from 'rxjs';
import { createJob, failJob, type PruneJob, type PruneRequest, type PruneSource } from '../job.js';
import { concurrent } from './concurrent.js';
import type { ConcurrencyOptions } from './pool.js';
import { pullMap, type PullOptions } from './pull.js';

/**
 * Runs `stages` on one job and emits exactly one job: the one it emitted, or — when a custom
 * `stages` broke the one-in, one-out contract by emitting none or several — the job failed with
 * INTERNAL naming `stages` (any extra emissions' leases released once), so a result is never
 * silently lost or duplicated. A `stages` that never completes still never answers.
 */
export function runStagesOnce(job: PruneJob, stages: OperatorFunction<PruneJob, PruneJob>): Observable<PruneJob> {
  return of(job).pipe(
    stages,
    toArray(),
    map((out) => {
      if (out.length === 1) return out[0];
      for (const release of new Set(out.map((j) => j.release))) release?.();
      return failJob(job, new D2PrunerError('INTERNAL', 'stages', `the per-request pipeline must emit each request once; it emitted ${out.length} for request ${job.index}`));
    }),
  );
}

/**
 * Runs a per-job pipeline (`stages`, e.g. `pipe(decode(), prune())`) on up to `concurrency`
 * jobs of a push source at once, in source order by default. Each job gets its own subscription
 * to `stages`, so a stage's state never mixes jobs.
 */
export function concurrently(stages: OperatorFunction<PruneJob, PruneJob>, options: ConcurrencyOptions = {}): OperatorFunction<PruneJob, PruneJob> {
  return concurrent((job: PruneJob) => runStagesOnce(job, stages), options);
}

/**
 * The pull-based entry point: turns requests (or bare sources: paths, bytes, token inputs) from
 * an (async) iterable into jobs numbered 0, 1, … and runs `stages` on each with bounded
 * concurrency and backpressure ({@link pullMap}). Returns the finished jobs.
 */
export function pruneStream(
  requests: AsyncIterable<PruneRequest | PruneSource> | Iterable<PruneRequest | PruneSource>,
  stages: OperatorFunction<PruneJob, PruneJob>,
  options: PullOptions = {},
): Observable<PruneJob> {
  return pullMap(requests, (request, index) => runStagesOnce(createJob(request, index), stages), options);
}
