import type { Layout } from '@d2pruner/core';
import { batchFileOptions, helperThread, pruneNodeBatchResults, readLines, type NodeBatchOptions } from '@d2pruner/pipeline/node';
import type { BatchResult } from '@d2pruner/pipeline';
import { ensureBackend } from '../backends.js';
import { checkConcurrency } from '../concurrency-limit.js';
import type { CliIo } from '../io.js';
import { progressLine } from '../progress.js';
import { resolveWorkers, withWorkerPool } from '../workers.js';

/** Options of {@link runBatch}. */
export interface BatchOptions {
  /** Default backend for lines that name none. */
  backend?: string;
  /**
   * Worker threads that read, decode and prune the requests (default: one per core; 0 = all on
   * the main thread, as with a GPU `--backend`).
   */
  workers?: number;
  /**
   * In flight: groups of lines sent to the workers (default 2 × workers, so a worker never waits
   * for the next group), or requests interleaved on the main thread with `--workers 0` (default 2).
   * At most `MAX_CONCURRENCY`.
   */
  concurrency?: number;
  /** Layout for inputs that carry none (`--grid`). */
  layout?: Layout;
  /** Prior for every input (`--prior`). */
  prior?: Float32Array;
  /** The layout signature `prior` was calibrated on: inputs of another layout fail naming `prior`. */
  priorLayout?: string;
  /** The model `prior` was calibrated for: inputs that record another model fail naming `prior`. */
  priorModel?: string;
  /** The layer `prior` was calibrated at: inputs that record another layer fail naming `prior`. */
  priorLayer?: number;
  /** `--strict`: exit 1 when any line failed (default: 0 whenever the batch ran to its end). */
  strict?: boolean;
}

/**
 * `d2pruner prune --batch FILE.jsonl` (or `-`): one request per line, one result line per
 * request in order, an error line for a failed request while the batch goes on (docs/formats.md §3).
 * Runs on the streaming pipeline (`@d2pruner/pipeline`): lines are pulled only as results are
 * written, so memory stays flat however long the batch; the requests run on a pool of worker
 * threads (`--workers`), results still in input order. Returns the exit code: 0 once every
 * line has its result line (failed ones included), or 1 with `strict` when any line failed.
 */
export async function runBatch(source: string, io: CliIo, options: BatchOptions = {}): Promise<number> {
  const workers = resolveWorkers(options.workers, options.backend);
  const concurrency = checkConcurrency(options.concurrency ?? (workers > 0 ? 2 * workers : 2));
  return withWorkerPool(workers, (pool) => runLines(source, io, { ...options, concurrency }, pool));
}

async function runLines(source: string, io: CliIo, options: BatchOptions & { concurrency: number }, pool: NodeBatchOptions['pool']): Promise<number> {
  const { concurrency } = options;
  const pipelineOptions: NodeBatchOptions = {
    pool,
    ...batchFileOptions(source),
    backend: options.backend,
    layout: options.layout,
    prior: options.prior,
    priorLayout: options.priorLayout,
    priorModel: options.priorModel,
    priorLayer: options.priorLayer,
    concurrency,
    ensureBackend,
    helper: pool ? undefined : helperThread(),
    gate: io.outGate,
    onProgress: progressLine(io.err, 'batch', io.isTTY).onProgress,
  };
  const lines = readLines(source === '-' ? io.stdin() : source);
  let ok = 0;
  let failed = 0;
  await new Promise<void>((resolve, reject) => {
    pruneNodeBatchResults(lines, pipelineOptions).subscribe({
      next: (r) => {
        if (r.error) failed++;
        else ok++;
        void writeLine(io, r);
      },
      error: reject,
      complete: resolve,
    });
  });
  io.err(`batch: ${ok} ok, ${failed} failed\n`);
  return options.strict && failed > 0 ? 1 : 0;
}

/** Writes one result line: its bytes as they are where it has bytes and `io` writes bytes, else its text. */
function writeLine(io: CliIo, r: BatchResult): void | Promise<void> {
  if (!r.bytes || !io.outBytes) return io.out(r.text + '\n');
  void io.outBytes(r.bytes);
  return io.out('\n');
}
