import { of, type Observable, type OperatorFunction } from 'rxjs';
import { createJob, type PruneJob, type PruneRequest, type PruneSource } from '../job.js';
import { concurrent } from './concurrent.js';
import type { ConcurrencyOptions } from './pool.js';
import { pullMap, type PullOptions } from './pull.js';

/**
 * Runs a per-job pipeline (`stages`, e.g. `pipe(decode(), prune())`) on up to `concurrency`
 * jobs of a push source at once, in source order by default. Each job gets its own subscription
 * to `stages`, so a stage's state never mixes jobs.
 */
export function concurrently(stages: OperatorFunction<PruneJob, PruneJob>, options: ConcurrencyOptions = {}): OperatorFunction<PruneJob, PruneJob> {
  return concurrent((job: PruneJob) => of(job).pipe(stages), options);
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
  return pullMap(requests, (request, index) => of(createJob(request, index)).pipe(stages), options);
}
