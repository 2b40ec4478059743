/**
 * @d2pruner/pipeline/node — Node helpers for the pipelines: a file reader, line sources from a
 * file or stdin, a worker-thread pool that runs whole prune requests on every core, and the
 * batch / calibrate entry points wired to both. Kept out of the root entry so that
 * `@d2pruner/pipeline` runs in browsers.
 * @packageDocumentation
 */
import { once } from 'node:events';
import { createReadStream } from 'node:fs';
import { open, readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { InvalidInputError } from '@d2pruner/core';
import type { Observable } from 'rxjs';
import { pruneBatch, pruneBatchResults, type BatchOptions, type BatchResult } from '../batch/batch.js';
import { calibrate, priorFileBytes, type CalibrateOptions, type CalibrationResult } from '../calibrate.js';
import { splitLines } from '../lines.js';
import { attentionStage, poolStages } from './pool/operators.js';
import type { PrunePool } from './pool/prune-pool.js';
import type { FileReader } from '../operators/decode.js';

function readError(path: string, e: unknown, field: string): unknown {
  const code = (e as NodeJS.ErrnoException | null)?.code;
  if (code === 'ABORT_ERR' || (e as Error | null)?.name === 'AbortError') return e;
  if (code === 'ENOENT') return new InvalidInputError(field, `cannot read '${path}': no such file`);
  if (code === 'EISDIR') return new InvalidInputError(field, `cannot read '${path}': it is a directory`);
  if (code === 'EACCES' || code === 'EPERM') return new InvalidInputError(field, `cannot read '${path}': permission denied`);
  if (typeof code === 'string') return new InvalidInputError(field, `cannot read '${path}': ${code}`);
  return e;
}

/** Reads a file of known size with as few thread-pool round trips as possible (one for most files). */
async function readWhole(path: string, signal: AbortSignal): Promise<Uint8Array> {
  signal.throwIfAborted();
  const handle = await open(path, 'r');
  try {
    const { size } = await handle.stat();
    if (!Number.isSafeInteger(size) || size === 0) return new Uint8Array(await readFile(handle));
    const out = Buffer.allocUnsafeSlow(size); // its own buffer (no pool), not zero-filled: every byte is read over
    let at = 0;
    while (at < size) {
      signal.throwIfAborted();
      const { bytesRead } = await handle.read(out, at, size - at, at);
      if (bytesRead === 0) break;
      at += bytesRead;
    }
    return at === size ? out : out.subarray(0, at);
  } finally {
    await handle.close();
  }
}

/**
 * Reads a whole file (cancellable through the signal); an unreadable path is a typed error on
 * field `input`. One positioned read of the file's size instead of `fs.readFile`'s 512 KB chunks,
 * so a busy event loop (other items computing) does not stretch the read.
 */
export const nodeReadFile: FileReader = async (path, signal) => {
  try {
    return await readWhole(path, signal);
  } catch (e) {
    throw readError(path, e, 'input');
  }
};

/**
 * The lines of a file, or of standard input for `-` (or any readable stream), read chunk by
 * chunk on demand: memory holds one chunk however long the file. A missing file is a typed
 * error on field `batch`, raised at the first pull.
 */
export async function* readLines(source: string | NodeJS.ReadableStream): AsyncGenerator<string, void, undefined> {
  const stream = source === '-' ? process.stdin : typeof source === 'string' ? createReadStream(source) : source;
  try {
    yield* splitLines(stream as AsyncIterable<Uint8Array | string>);
  } catch (e) {
    throw typeof source === 'string' ? readError(source, e, 'batch') : e;
  } finally {
    if (typeof source === 'string' && source !== '-') (stream as ReturnType<typeof createReadStream>).destroy();
  }
}

/**
 * A `gate` (see `PullOptions`) that holds the next pull while `stream` (e.g. `process.stdout`)
 * has more buffered than its high-water mark, so a slow consumer of the output slows the reader
 * instead of filling memory.
 */
export function drainGate(stream: NodeJS.WritableStream & { writableNeedDrain?: boolean }): () => void | Promise<void> {
  return () => (stream.writableNeedDrain ? once(stream, 'drain').then(() => undefined) : undefined);
}

/**
 * File-system options for a batch file: the Node reader, and paths resolved against the
 * JSONL file's folder (the working directory for `-`).
 */
export function batchFileOptions(file: string): Pick<BatchOptions, 'readFile' | 'resolvePath' | 'baseDir'> {
  const baseDir = file === '-' ? process.cwd() : dirname(resolve(file));
  return { readFile: nodeReadFile, baseDir, resolvePath: (p) => resolve(baseDir, p) };
}

/** Batch options with an optional worker pool. */
export interface NodeBatchOptions extends BatchOptions {
  /**
   * Run every request in this pool (`poolStages`): reading, decoding and pruning on its worker
   * threads, results still in input order. `concurrency` defaults to the pool's workers.
   */
  pool?: PrunePool;
}

/** The batch options with the pool's stages and concurrency filled in. */
export function withPool(options: NodeBatchOptions): BatchOptions {
  const { pool, ...rest } = options;
  if (!pool) return rest;
  return { ...rest, concurrency: rest.concurrency ?? pool.workers, stages: rest.stages ?? poolStages(pool, rest) };
}

/**
 * `d2pruner prune --batch FILE.jsonl` (or `-`): result lines, in order, streamed from the file
 * with bounded memory. Options override the file-system defaults; with `pool`, the requests run
 * on its worker threads.
 */
export function pruneBatchFile(file: string, options: NodeBatchOptions = {}): Observable<string> {
  return pruneBatch(readLines(file), withPool({ ...batchFileOptions(file), ...options }));
}

/** {@link pruneBatchFile} with structured results (index, line, text, error). */
export function pruneBatchFileResults(file: string, options: NodeBatchOptions = {}): Observable<BatchResult> {
  return pruneBatchResults(readLines(file), withPool({ ...batchFileOptions(file), ...options }));
}

/** Calibration options with an optional worker pool. */
export interface NodeCalibrateOptions extends CalibrateOptions {
  /** Read and decode the inputs on this pool's workers (`attentionStage`); `concurrency` defaults to its workers. */
  pool?: PrunePool;
}

/** `d2pruner calibrate FILES…`: calibrates over token files read with the Node reader (in `pool` when given). */
export function calibrateFiles(files: AsyncIterable<string> | Iterable<string>, options: NodeCalibrateOptions = {}): Promise<CalibrationResult> {
  const { pool, ...rest } = options;
  const pooled = pool ? { concurrency: rest.concurrency ?? pool.workers, stages: rest.stages ?? attentionStage(pool, rest.layout) } : {};
  return calibrate(files, { readFile: nodeReadFile, ...rest, ...pooled });
}

export * from './pool/task.js';
export * from './pool/prune-pool.js';
export * from './pool/operators.js';

export { priorFileBytes };
