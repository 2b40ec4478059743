/**
 * @d2pruner/pipeline/node — Node helpers for the pipelines: a file reader, line sources from a
 * file or stdin, a worker-thread pool that runs whole prune requests on every core, and the
 * batch / calibrate entry points wired to both. Kept out of the root entry so that
 * `@d2pruner/pipeline` runs in browsers.
 * @packageDocumentation
 */
import { once } from 'node:events';
import type { ReadStream } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { map, type Observable } from 'rxjs';
import { pruneBatchResults, type BatchOptions, type BatchResult } from '../batch/batch.js';
import { calibrate, priorFileBytes, type CalibrateOptions, type CalibrationResult } from '../calibrate.js';
import { splitLines } from '../lines.js';
import { attentionStage, poolStages } from './pool/operators.js';
import { nodePathResolver, pruneBatchInPool } from './pool/batch-in-pool.js';
import type { PrunePool } from './pool/prune-pool.js';
import type { FileReader } from '../operators/decode.js';
import { openRegularFile, readError, readRegularFile, readRegularFileSync } from './read-file.js';
import { ReadBufferPool } from './read-buffers.js';

export { MAX_INPUT_FILE_BYTES, openRegularFile, readRegularFile, readRegularFileSync, type ReadFileOptions } from './read-file.js';
export { ReadBufferPool, type ReadBufferPoolOptions } from './read-buffers.js';
export { helperThread } from './helper-thread.js';

/**
 * Reads a whole regular file (cancellable through the signal) of at most
 * {@link MAX_INPUT_FILE_BYTES}: anything else — a missing file, a directory, a FIFO, a device
 * such as `/dev/zero`, a larger file — is a typed error on field `input`, raised before a byte
 * is read. One positioned read of the file's size instead of `fs.readFile`'s 512 KB chunks.
 */
export const nodeReadFile: (path: string, signal: AbortSignal) => Promise<Uint8Array> = (path, signal) => readRegularFile(path, { field: 'input', signal });

/**
 * {@link nodeReadFile} reading into buffers lent by `pool` (a new pool per reader by default):
 * it returns `LentBytes`, and the job's `release` (called by the batch after each result line)
 * gives the buffer back for the next file; F16/BF16 tensors decode into buffers of the same
 * pool. Same checks and errors as `nodeReadFile`; reading a 14 MB file this way is a copy from
 * the page cache, without a fresh allocation's page faults.
 */
export function pooledReadFile(pool: ReadBufferPool = new ReadBufferPool(), options: { sync?: boolean } = {}): FileReader {
  return async (path, signal) => {
    const lent: Uint8Array[] = [];
    const take = (size: number): Uint8Array => {
      const bytes = pool.acquire(size);
      lent.push(bytes);
      return bytes;
    };
    const release = (): void => {
      for (const bytes of lent.splice(0)) pool.release(bytes);
    };
    try {
      const read = { field: 'input', signal, allocate: take };
      const bytes = options.sync ? readRegularFileSync(path, read) : await readRegularFile(path, read);
      return {
        bytes,
        release,
        allocate: (count) => {
          const region = take(4 * count);
          return new Float32Array(region.buffer, region.byteOffset, count);
        },
      };
    } catch (e) {
      release();
      throw e;
    }
  };
}

/**
 * The lines of a file, or of standard input for `-` (or any readable stream), read chunk by
 * chunk on demand: memory holds one chunk however long the file, and a line over
 * `MAX_LINE_CHARS` is an error. A path must name a regular file: a missing file, a directory, a
 * FIFO or a device is a typed error on field `batch`, raised at the first pull.
 */
export async function* readLines(source: string | NodeJS.ReadableStream): AsyncGenerator<string, void, undefined> {
  let stream: NodeJS.ReadableStream;
  if (source === '-') stream = process.stdin;
  else if (typeof source === 'string') {
    const { handle } = await openRegularFile(source, { field: 'batch', maxBytes: Number.MAX_SAFE_INTEGER });
    stream = handle.createReadStream();
  } else stream = source;
  try {
    yield* splitLines(stream as AsyncIterable<Uint8Array | string>);
  } catch (e) {
    throw typeof source === 'string' ? readError(source, e, 'batch') : e;
  } finally {
    if (typeof source === 'string' && source !== '-') (stream as ReadStream).destroy();
  }
}

/**
 * A `gate` (see `PullOptions`) that holds the next pull while `stream` (e.g. `process.stdout`)
 * has more buffered than its high-water mark, so a slow consumer of the output slows the reader
 * instead of filling memory.
 */
export function drainGate(stream: NodeJS.WritableStream & { writableNeedDrain?: boolean }): () => void | Promise<void> {
  return () => (stream.writableNeedDrain ? drained(stream) : undefined);
}

const DRAINS = new WeakMap<NodeJS.WritableStream, Promise<void>>();

/**
 * Resolves at the stream's next `drain` (or when it closes or fails). Every caller waiting at
 * the same time shares one listener, so many pending writers never pile up listeners
 * (no MaxListenersExceededWarning on a slow or closed pipe).
 */
export function drained(stream: NodeJS.WritableStream): Promise<void> {
  let p = DRAINS.get(stream);
  if (!p) {
    p = Promise.race([once(stream, 'drain'), once(stream, 'close')])
      .catch(() => undefined)
      .then(() => {
        DRAINS.delete(stream);
      });
    DRAINS.set(stream, p);
  }
  return p;
}

/**
 * File-system options for a batch file: the pooled Node reader, and paths resolved against the
 * JSONL file's folder (the working directory for `-`).
 */
export function batchFileOptions(file: string): Pick<BatchOptions, 'readFile' | 'resolvePath' | 'baseDir'> {
  const baseDir = file === '-' ? process.cwd() : dirname(resolve(file));
  return { readFile: pooledReadFile(), baseDir, resolvePath: nodePathResolver(baseDir) };
}

/** Batch options with an optional worker pool. */
export interface NodeBatchOptions extends BatchOptions {
  /**
   * Run every request in this pool (`poolStages`): reading, decoding and pruning on its worker
   * threads, results still in input order. `concurrency` defaults to the pool's workers.
   */
  pool?: PrunePool;
}

/** The batch options with the pool's stages and concurrency filled in (one request per hand-over). */
export function withPool(options: NodeBatchOptions): BatchOptions {
  const { pool, ...rest } = options;
  if (!pool) return rest;
  return { ...rest, concurrency: rest.concurrency ?? pool.workers, stages: rest.stages ?? poolStages(pool, rest) };
}

/**
 * Batch results from request lines, on `options.pool` when given — the lines handed to the
 * workers in groups ({@link pruneBatchInPool}) — else on this thread.
 */
export function pruneNodeBatchResults(lines: AsyncIterable<string> | Iterable<string>, options: NodeBatchOptions = {}): Observable<BatchResult> {
  const { pool, ...rest } = options;
  return pool ? pruneBatchInPool(lines, { ...rest, pool }) : pruneBatchResults(lines, rest);
}

/**
 * `d2pruner prune --batch FILE.jsonl` (or `-`): result lines, in order, streamed from the file
 * with bounded memory. Options override the file-system defaults; with `pool`, the requests run
 * on its worker threads.
 */
export function pruneBatchFile(file: string, options: NodeBatchOptions = {}): Observable<string> {
  return pruneBatchFileResults(file, options).pipe(map((r) => r.text));
}

/** {@link pruneBatchFile} with structured results (index, line, text, error). */
export function pruneBatchFileResults(file: string, options: NodeBatchOptions = {}): Observable<BatchResult> {
  return pruneNodeBatchResults(readLines(file), { ...batchFileOptions(file), ...options });
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
export * from './pool/batch-in-pool.js';
export * from './pool/eval-in-pool.js';

export { priorFileBytes };
