import { InvalidArgumentError, type Layout } from '@d2pruner/core';
import { pruneBatchResults, type BatchOptions as PipelineBatchOptions } from '@d2pruner/pipeline';
import { batchFileOptions, readLines } from '@d2pruner/pipeline/node';
import { ensureBackend } from '../backends.js';
import type { CliIo } from '../io.js';
import { progressRenderer } from '../progress.js';

/** Options of {@link runBatch}. */
export interface BatchOptions {
  /** Default backend for lines that name none. */
  backend?: string;
  /** Requests in flight (default 2: one item's file read overlaps another's compute). */
  concurrency?: number;
  /** Layout for inputs that carry none (`--grid`). */
  layout?: Layout;
  /** Prior for every input (`--prior`). */
  prior?: Float32Array;
}

/**
 * `d2pruner prune --batch FILE.jsonl` (or `-`): one request per line, one result line per
 * request in order, an error line for a failed request while the batch goes on (docs/formats.md §3).
 * Runs on the streaming pipeline (`@d2pruner/pipeline`): lines are pulled only as results are
 * written, so memory stays flat however long the batch.
 */
export async function runBatch(source: string, io: CliIo, options: BatchOptions = {}): Promise<number> {
  const concurrency = options.concurrency ?? 2;
  if (!Number.isInteger(concurrency) || concurrency < 1) throw new InvalidArgumentError('concurrency', '--concurrency must be an integer ≥ 1');
  const pipelineOptions: PipelineBatchOptions = {
    ...batchFileOptions(source),
    backend: options.backend,
    layout: options.layout,
    prior: options.prior,
    concurrency,
    ensureBackend,
    gate: io.outGate,
    onProgress: io.isTTY ? progressRenderer(io.err, 'batch') : undefined,
  };
  const lines = readLines(source === '-' ? io.stdin() : source);
  let ok = 0;
  let failed = 0;
  await new Promise<void>((resolve, reject) => {
    pruneBatchResults(lines, pipelineOptions).subscribe({
      next: (r) => {
        if (r.error) failed++;
        else ok++;
        void io.out(r.text + '\n');
      },
      error: reject,
      complete: resolve,
    });
  });
  io.err(`batch: ${ok} ok, ${failed} failed\n`);
  return 0;
}
