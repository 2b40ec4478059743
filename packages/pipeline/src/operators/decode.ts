import {
  InvalidArgumentError,
  ShapeMismatchError,
  defaultLayout,
  describeLayout,
  layoutSignature,
  readSafetensors,
  tokenCount,
  tokenInputFromSafetensors,
  validateTokenInput,
  type F32Allocator,
  type Layout,
  type TokenInput,
} from '@d2pruner/core';
import { decodeHalfSimd } from '@d2pruner/kernels';
import type { OperatorFunction } from 'rxjs';
import type { PruneJob } from '../job.js';
import { stage } from '../stage.js';

/**
 * Bytes a reader lends rather than gives: a buffer from a pool. `release` gives it back; the
 * job's last owner calls it (as `job.release`) once nothing reads the decoded input any more.
 */
export interface LentBytes {
  /** The file's bytes. */
  bytes: Uint8Array;
  /** Gives the bytes back to their pool; the decoded tensors view them, so call it last. */
  release(): void;
  /** More memory from the same lender (the F16/BF16 tensors decode into it), given back by the same `release`. */
  allocate?: F32Allocator;
}

/**
 * Reads a whole file. Injected so the package stays browser-safe: Node callers pass
 * `nodeReadFile` (or the pooled `pooledReadFile`) from `@d2pruner/pipeline/node`, a browser
 * passes a `fetch`-based reader. Must reject with a typed error (naming the field `input`) when
 * the file cannot be read.
 */
export type FileReader = (path: string, signal: AbortSignal) => Promise<Uint8Array | LentBytes>;

function isLent(x: Uint8Array | LentBytes): x is LentBytes {
  return !(x instanceof Uint8Array);
}

/**
 * The bytes of what a {@link FileReader} returned. Lent bytes are kept, not given back: the
 * caller owns them from then on (their pool allocates anew), which is always safe.
 */
export function bytesOf(read: Uint8Array | LentBytes): Uint8Array {
  return isLent(read) ? read.bytes : read;
}

/** Options of {@link decode}. */
export interface DecodeOptions {
  /** Reads request paths; required when a request's input is a path. */
  readFile?: FileReader;
  /** Layout for inputs that carry none and whose request names none (`--grid`, an adapter). */
  layout?: Layout;
}

/**
 * Decodes the bytes of a safetensors token file (docs/formats.md §1) into a validated input;
 * F16/BF16 tensors decode in WebAssembly SIMD (`decodeHalfSimd`), into arrays from `allocate`
 * when given.
 */
export function decodeTokenFile(bytes: Uint8Array, allocate?: F32Allocator): TokenInput {
  return tokenInputFromSafetensors(readSafetensors(bytes, { allocate, decodeHalf: decodeHalfSimd }));
}

/**
 * Completes an input's layout: its own, else `fallback` (the request's or the pipeline's), else
 * the single square frame when N is a perfect square. A `fallback` that contradicts the input's
 * own layout is INVALID_ARGUMENT naming `layout` (never silently ignored). Returns the input (with the layout
 * attached when it was missing) and the layout, undefined when none can be derived — methods
 * that need one then fail with a typed error naming `layout`.
 */
export function completeLayout(input: TokenInput, fallback?: Layout): { input: TokenInput; layout?: Layout } {
  if (input.layout) {
    if (fallback && layoutSignature(fallback) !== layoutSignature(input.layout)) {
      throw new InvalidArgumentError(
        'layout',
        `the input carries its own layout (${describeLayout(input.layout)}) and the request gives another (${describeLayout(fallback)}); the input's layout is the one its tokens have: give a layout (--grid, grid=) only for inputs without one`,
      );
    }
    return { input, layout: input.layout };
  }
  if (fallback) {
    const n = tokenCount(input);
    if (fallback.frame.length !== n) {
      throw new ShapeMismatchError('layout', `the request's layout (${describeLayout(fallback)}) has ${fallback.frame.length} cells but the input has ${n} visual tokens`);
    }
    const withLayout = { ...input, layout: fallback };
    validateTokenInput(withLayout);
    return { input: withLayout, layout: fallback };
  }
  const n = tokenCount(input);
  const side = Math.round(Math.sqrt(n));
  return side * side === n ? { input, layout: defaultLayout(n) } : { input };
}

async function readBytes(path: string, options: DecodeOptions, signal: AbortSignal): Promise<Uint8Array | LentBytes> {
  if (!options.readFile) {
    throw new InvalidArgumentError('readFile', `input '${path}' is a path but the pipeline has no file reader (Node: nodeReadFile from @d2pruner/pipeline/node)`);
  }
  return options.readFile(path, signal);
}

/**
 * Stage `decode`: turns the request's source into `job.input` and `job.layout`. A path is read
 * through `readFile` (asynchronously; its time is `timings.readMs`) and decoded; bytes are decoded synchronously; a
 * {@link TokenInput} is validated as is. Corrupt files, bad shapes and unreadable paths fail
 * the job with the typed error of `@d2pruner/core`.
 */
export function decode(options: DecodeOptions = {}): OperatorFunction<PruneJob, PruneJob> {
  return stage('decode', (job, { signal }) => {
    const src = job.request.input;
    const finish = (input: TokenInput) => completeLayout(input, job.request.layout ?? options.layout);
    if (typeof src === 'string') {
      const t0 = performance.now();
      return readBytes(src, options, signal).then((read) => {
        const readMs = performance.now() - t0;
        if (!isLent(read)) return { ...finish(decodeTokenFile(read)), timings: { readMs } };
        try {
          return { ...finish(decodeTokenFile(read.bytes, read.allocate)), timings: { readMs }, release: () => read.release() };
        } catch (e) {
          read.release();
          throw e;
        }
      });
    }
    if (src instanceof Uint8Array) return finish(decodeTokenFile(src));
    validateTokenInput(src);
    return finish(src);
  });
}
