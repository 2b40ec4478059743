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
 * Runs `stages` on each job, and gives back, on teardown, the leases of finished jobs held for
 * reordering that the stages took (a read buffer `decode` got); a lease the job brought in is
 * the caller's, who may share the job elsewhere.
 */
function leaseAware(stages: OperatorFunction<PruneJob, PruneJob>): { work: (job: PruneJob) => Observable<PruneJob>; discard: (result: unknown) => void } {
  const incoming = new WeakSet<() => void>();
  return {
    work: (job) => {
      if (job.release) incoming.add(job.release);
      return runStagesOnce(job, stages);
    },
    discard: (result) => {
      const release = (result as PruneJob).release;
      if (release && !incoming.has(release)) release();
    },
  };
}

/**
 * Runs a per-job pipeline (`stages`, e.g. `pipe(decode(), prune())`) on up to `concurrency`
 * jobs of a push source at once, in source order by default. Each job gets its own subscription
 * to `stages`, so a stage's state never mixes jobs. A finished job dropped on teardown (held
 * for reordering) has its `release` called when the stages gave it one.
 */
export function concurrently(stages: OperatorFunction<PruneJob, PruneJob>, options: ConcurrencyOptions = {}): OperatorFunction<PruneJob, PruneJob> {
  const { work, discard } = leaseAware(stages);
  return concurrent(work, { ...options, discard: options.discard ?? discard });
}

/**
 * The pull-based entry point: turns requests (or bare sources: paths, bytes, token inputs) from
 * an (async) iterable into jobs numbered 0, 1, … and runs `stages` on each with bounded
 * concurrency and backpressure ({@link pullMap}). Returns the finished jobs; one dropped on
 * teardown (held for reordering) has its `release` called.
 */
export function pruneStream(
  requests: AsyncIterable<PruneRequest | PruneSource> | Iterable<PruneRequest | PruneSource>,
  stages: OperatorFunction<PruneJob, PruneJob>,
  options: PullOptions = {},
): Observable<PruneJob> {
  const { work, discard } = leaseAware(stages);
  return pullMap(requests, (request, index) => work(createJob(request, index)), { ...options, discard: options.discard ?? discard });
}
