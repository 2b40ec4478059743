/**
 * Starting the worker pool of `prune --batch`, `calibrate` and `eval --workers` while the rest of
 * the command line still loads.
 * The workers take about 100 ms to load their modules, as long as the main thread takes for its
 * own; begun from the raw arguments, before the CLI is imported, the two overlap. The guess only
 * decides *when* the pool starts: the command adopts the started pool when its resolved worker
 * count matches and makes its own otherwise, and an unused pool is closed when the command ends.
 * Nothing here runs on import.
 * @packageDocumentation
 */
import { availableParallelism } from 'node:os';
import type { PrunePool } from '@d2pruner/pipeline/pool';
import { decimalNumber } from './cli/decimal.js';
import { MAX_WORKERS } from './worker-limit.js';

/**
 * Backends whose requests run in workers (the others live on the main thread): the pipeline's
 * `WORKER_BACKENDS`, repeated here so that reading the arguments loads no pipeline module (a
 * test keeps the two equal).
 */
export const POOL_BACKENDS: ReadonlySet<string> = new Set(['auto', 'cpu']);

let started: { workers: number; pool: PrunePool } | undefined;

/** The value of `--name V` or `--name=V` in `args` (the last one given), or undefined. */
function flagValue(args: readonly string[], name: string): string | undefined {
  let value: string | undefined;
  for (let k = 0; k < args.length; k++) {
    const a = args[k];
    if (a === '--') break;
    if (a === `--${name}`) value = args[k + 1];
    else if (a.startsWith(`--${name}=`)) value = a.slice(name.length + 3);
  }
  return value;
}

/** The worker threads a command uses without `--workers`: one per core, or none with a main-thread (GPU) backend. */
export function defaultWorkers(backend: string | undefined): number {
  return backend === undefined || POOL_BACKENDS.has(backend) ? availableParallelism() : 0;
}

/**
 * The worker threads the command line will run a pool of: `prune --batch` and `calibrate` their
 * `--workers`, else one per core (`prune --batch` none with a GPU `--backend`); `eval` its
 * `--workers` (no pool without it). 0 for any other command line, help, or a value the command
 * itself will reject.
 */
export function poolWorkersFromArgs(argv: readonly string[]): number {
  const [command, ...args] = argv;
  if (args.includes('--help') || args.includes('-h')) return 0;
  if (command === 'prune' && flagValue(args, 'batch') === undefined) return 0;
  if (command !== 'prune' && command !== 'calibrate' && command !== 'eval') return 0;
  const given = flagValue(args, 'workers');
  if (given !== undefined) {
    const n = decimalNumber(given);
    return n !== undefined && Number.isInteger(n) && n > 0 && n <= MAX_WORKERS ? n : 0;
  }
  if (command === 'eval') return 0;
  return defaultWorkers(command === 'prune' ? flagValue(args, 'backend') : undefined);
}

/**
 * Starts the pool the command will use when `argv` is such a command line (see
 * {@link poolWorkersFromArgs}); otherwise does nothing. Never throws: a pool that cannot start
 * here is made, or its error reported, by the command itself.
 */
export async function prestartPool(argv: readonly string[]): Promise<void> {
  const workers = poolWorkersFromArgs(argv);
  if (workers === 0 || started) return;
  try {
    const { createPrunePool } = await import('@d2pruner/pipeline/pool');
    started = { workers, pool: createPrunePool({ workers }) };
  } catch {
    started = undefined;
  }
}

/** The started pool when it has `workers` threads (the caller then owns and closes it), else undefined. */
export function takeStartedPool(workers: number): PrunePool | undefined {
  if (!started || started.workers !== workers) return undefined;
  const { pool } = started;
  started = undefined;
  return pool;
}

/** Closes a started pool nobody took (the command failed early, or chose another worker count). */
export async function closeStartedPool(): Promise<void> {
  const pool = started?.pool;
  started = undefined;
  await pool?.close();
}
