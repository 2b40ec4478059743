import { InvalidArgumentError } from '@d2pruner/core';
import { createPrunePool, type PrunePool } from '@d2pruner/pipeline/node';
import { closeStartedPool, defaultWorkers, takeStartedPool } from './early-pool.js';
import { MAX_WORKERS } from './worker-limit.js';

/**
 * The worker threads a command uses: `--workers N` (0 = everything on the main thread), by
 * default one per core — or 0 when the command's backend is a GPU one, which lives on the main
 * thread. A typed error naming `workers` for anything but an integer in [0, {@link MAX_WORKERS}].
 */
export function resolveWorkers(workers: number | undefined, backend: string | undefined): number {
  if (workers === undefined) return defaultWorkers(backend);
  if (!Number.isInteger(workers) || workers < 0 || workers > MAX_WORKERS) {
    throw new InvalidArgumentError('workers', `--workers must be an integer in [0, ${MAX_WORKERS}] (0 = main thread only), got ${workers}`);
  }
  return workers;
}

/**
 * Runs `fn` with a pool of `workers` threads (none when 0) and closes the pool afterwards: the
 * one the command line started early when it has that many threads (see `early-pool.ts`), else
 * a new one (an early pool of another size is closed first).
 */
export async function withWorkerPool<T>(workers: number, fn: (pool: PrunePool | undefined) => Promise<T>): Promise<T> {
  const early = workers > 0 ? takeStartedPool(workers) : undefined;
  if (!early) await closeStartedPool();
  const pool = early ?? (workers > 0 ? createPrunePool({ workers }) : undefined);
  try {
    return await fn(pool);
  } finally {
    await pool?.close();
  }
}
