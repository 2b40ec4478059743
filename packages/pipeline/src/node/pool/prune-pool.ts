import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { BackendUnavailableError, D2PrunerError, assertInteger, toErrorJson, type Layout } from '@d2pruner/core';
import { Piscina } from 'piscina';
import type { PruneRequest } from '../../job.js';
import type { EvalRun } from '../../eval/evaluate.js';
import { transferables, type AttentionOutcome, type EvalFileOutcome, type EvalWorkerOptions, type LinesOutcome, type LinesTask, type PruneOutcome, type WorkerDefaults } from './task.js';

/** Options of {@link createPrunePool}. */
export interface PrunePoolOptions {
  /**
   * Worker threads at most (integer ≥ 1; default: the machine's available parallelism). Up to
   * one per core start with the pool; any beyond start only when tasks wait for a thread.
   */
  workers?: number;
  /**
   * Tasks that may wait for a free worker (default: no limit); a request beyond them gets an
   * INTERNAL error naming `workers` as its result (`prune` rejects only when aborted or closed).
   */
  maxQueue?: number;
  /**
   * Lowers the workers' scheduling priority by this much (Unix `nice`, 0–19; default 0), so a
   * thread that must stay responsive — a server's event loop — wins a contended CPU.
   */
  niceIncrement?: number;
  /** Per-worker V8 heap limits (see `worker_threads` `resourceLimits`); typed-array memory is not counted. */
  resourceLimits?: { maxOldGenerationSizeMb?: number; maxYoungGenerationSizeMb?: number };
}

/** Options of one pool call. */
export interface PoolCallOptions {
  /**
   * Aborting it cancels the task: a queued task is dropped; a running one has its worker
   * terminated (a runaway computation stops) and replaced. The call rejects with the reason.
   */
  signal?: AbortSignal;
}

/**
 * The built worker script: next to this module in `dist`, or the built copy when running from
 * the sources (a test runner) — the one-file bundle (`worker.bundle.js`, made by the package's
 * build) when present, else `worker.js`. Workers get no parent Node flags (`execArgv: []`): the
 * script is built JavaScript and must import the built packages even when the parent resolves a
 * source condition.
 */
function workerFile(): string {
  const here = import.meta.url;
  const dir = here.endsWith('.ts') ? new URL('../../../dist/node/pool/', here) : new URL('./', here);
  const found = workerIn(dir);
  if (found) return found;
  // bundled into another file (the d2pruner command's bundle), this module is no longer next to
  // the worker: the installed package's copy is found through the package's own name
  const installed = installedPoolDir(here);
  const again = installed && workerIn(installed);
  if (again) return again;
  const dirs = installed ? [dir, installed] : [dir];
  throw new D2PrunerError('INTERNAL', 'workers', `the pool's worker script is missing from ${dirs.map((d) => fileURLToPath(d)).join(' and ')}; build @d2pruner/pipeline first`);
}

/** The worker script in `dir`: the bundle when built, else `worker.js`; undefined when neither is there. */
function workerIn(dir: URL): string | undefined {
  for (const name of ['worker.bundle.js', 'worker.js']) {
    const path = fileURLToPath(new URL(name, dir));
    if (existsSync(path)) return path;
  }
  return undefined;
}

/** The folder of the pool's built worker in the installed `@d2pruner/pipeline`, resolved from `from`; undefined when it cannot be resolved. */
function installedPoolDir(from: string): URL | undefined {
  try {
    return new URL('dist/node/pool/', pathToFileURL(createRequire(from).resolve('@d2pruner/pipeline/package.json')));
  } catch {
    return undefined;
  }
}

/** What a call on a closed pool rejects with. */
function closedError(): D2PrunerError {
  return new D2PrunerError('INTERNAL', 'workers', 'the worker pool is closed');
}

function abortReason(signal: AbortSignal | undefined, e: unknown): unknown {
  return signal?.aborted ? signal.reason : e;
}

/**
 * A pool of worker threads (piscina) that each run one whole prune request at a time — the
 * file read, decode and method all off the calling thread — so a batch uses every core and a
 * server's event loop stays free. Typed arrays of a request move to the worker and those of the
 * result move back without copying (a view on part of a larger buffer, or shared memory, is
 * copied / shared instead). Create one per process and {@link PrunePool.close} it at the end.
 */
export class PrunePool {
  /** Worker threads at most: one per core start at once, the others only when tasks wait for a thread. */
  readonly workers: number;
  /** The script the workers run (the bundled worker when the build made one). */
  readonly script: string;
  private readonly piscina: Piscina;
  /** Set by {@link close}: calls then reject instead of starting workers again. */
  private closed = false;
  /** Set when no worker could start (see {@link onPoolError}): every call then resolves with it. */
  private failure: D2PrunerError | undefined;

  /** @param options threads, queue bound, heap limits */
  constructor(options: PrunePoolOptions = {}) {
    const workers = options.workers ?? availableParallelism();
    assertInteger('workers', workers, 1);
    if (options.maxQueue !== undefined) assertInteger('maxQueue', options.maxQueue, 0);
    if (options.niceIncrement !== undefined) assertInteger('niceIncrement', options.niceIncrement, 0);
    this.workers = workers;
    this.script = workerFile();
    this.piscina = new Piscina({
      filename: this.script,
      // more threads than cores start only when tasks wait: `--workers 256` on a two-line batch starts two
      minThreads: Math.min(workers, availableParallelism()),
      maxThreads: workers,
      concurrentTasksPerWorker: 1,
      idleTimeout: Infinity,
      execArgv: [],
      maxQueue: options.maxQueue ?? Infinity,
      niceIncrement: options.niceIncrement ?? 0,
      ...(options.resourceLimits ? { resourceLimits: options.resourceLimits } : {}),
    });
    // piscina reports here what belongs to no task: the late result of a task aborted as its worker
    // finished it (unsubscribing a batch), a worker that died between tasks. Unheard, the 'error'
    // event would be an uncaught exception; every task's own failure already reaches its caller.
    this.piscina.on('error', (e: unknown) => this.onPoolError(e));
  }

  /**
   * An error that belongs to no task. When it leaves no worker alive, the workers died while
   * starting (a heap limit too small to load the modules, a broken worker script): piscina then
   * stops starting new ones, and queued tasks would wait forever. The pool is marked failed and
   * its threads torn down, so every waiting and later call resolves with `BACKEND_UNAVAILABLE`
   * naming `workers` instead of hanging.
   */
  private onPoolError(e: unknown): void {
    if (this.closed || this.failure || this.piscina.threads.length > 0) return;
    const why = e instanceof Error ? e.message : String(e);
    this.failure = new BackendUnavailableError('workers', `the worker threads could not start: ${why}`);
    void this.piscina.destroy().catch(() => undefined);
  }

  /** Worker threads started so far (at most {@link workers}). */
  get threads(): number {
    return this.piscina.threads.length;
  }

  /** Tasks waiting for a worker. */
  get queued(): number {
    return this.piscina.queueSize;
  }

  /**
   * Runs one request in a worker with the batch `defaults` (method, backend, layout, prior,
   * params, budget) — the same request objects as `prune --batch` lines, with `input` a path
   * (read in the worker), safetensors bytes or a decoded input. The request's own typed arrays
   * are transferred (detached here) unless they are shared memory or views on part of a buffer;
   * `defaults` are copied. Resolves with the selection or the request's typed error (a bad
   * request never rejects); rejects only when aborted (with the signal's reason) or closed.
   */
  async prune(request: PruneRequest, defaults: WorkerDefaults = {}, options: PoolCallOptions = {}): Promise<PruneOutcome> {
    return this.run<PruneOutcome>({ kind: 'prune', request, defaults }, transferables(request), options);
  }

  /**
   * Runs consecutive batch lines in one worker, one after the other (see {@link LinesTask}):
   * resolves with each line's result line, or with `onCaller` for a line whose backend only the
   * calling thread runs. A failed task (its worker died) resolves with `error` and no results;
   * rejects only when aborted or closed.
   */
  async lines(lines: LinesTask['lines'], baseDir: string | undefined, defaults: WorkerDefaults = {}, options: PoolCallOptions = {}): Promise<LinesOutcome> {
    const task: LinesTask = { kind: 'lines', lines, defaults, ...(baseDir === undefined ? {} : { baseDir }) };
    return this.run<LinesOutcome>(task, [], options);
  }

  /**
   * Runs every evaluation run on one labelled file in a worker (an `EvalFileTask`): the
   * file is decoded and its labels read once there. `bytes` move to the worker when they own
   * their whole buffer (detached here), else they are copied. Resolves with one outcome per
   * run, or with `error` and none when the task failed (its worker died); rejects only when
   * aborted or closed.
   */
  async evalFile(name: string, bytes: Uint8Array, runs: EvalRun[], options: EvalWorkerOptions = {}, callOptions: PoolCallOptions = {}): Promise<EvalFileOutcome> {
    return this.run<EvalFileOutcome>({ kind: 'eval', name, bytes, runs, options }, transferables(bytes), callOptions);
  }

  /** Reads and decodes one token file (or bytes) in a worker and returns its attention, model and layout (calibration). */
  async attention(input: PruneRequest['input'], layout?: Layout, options: PoolCallOptions = {}): Promise<AttentionOutcome> {
    return this.run<AttentionOutcome>({ kind: 'attention', input, layout }, transferables(input), options);
  }

  private async run<T extends { timings: Record<string, number>; error?: unknown }>(task: object, transferList: ArrayBuffer[], options: PoolCallOptions): Promise<T> {
    const { signal } = options;
    signal?.throwIfAborted();
    if (this.closed) throw closedError();
    const failed = this.failedOutcome<T>();
    if (failed) return failed;
    try {
      return (await this.piscina.run(task, { transferList, ...(signal ? { signal } : {}) })) as T;
    } catch (e) {
      if (signal?.aborted) throw abortReason(signal, e);
      if (this.closed) throw closedError();
      return this.failedOutcome<T>() ?? ({ timings: {}, error: { ...toErrorJson(e), code: 'INTERNAL', field: 'workers' } } as unknown as T);
    }
  }

  /** The outcome every call gets once no worker could start, else undefined. */
  private failedOutcome<T>(): T | undefined {
    return this.failure ? ({ timings: {}, error: this.failure.toJSON() } as unknown as T) : undefined;
  }

  /**
   * Resolves once every worker has started and loaded its modules (one ping per worker), so the
   * first requests do not wait for that; a server calls it before listening.
   */
  async warm(): Promise<void> {
    await Promise.all(Array.from({ length: this.workers }, () => this.run({ kind: 'ping' }, [], {})));
  }

  /** Terminates the workers; running and queued calls reject, and so does every later call. Idempotent. */
  async close(): Promise<void> {
    this.closed = true;
    await this.piscina.destroy();
  }
}

/** Creates a {@link PrunePool} (see its options). */
export function createPrunePool(options: PrunePoolOptions = {}): PrunePool {
  return new PrunePool(options);
}
