import { D2PrunerError, resultJson, resultJsonPayload, toErrorJson, type ErrorJson, type Layout, type Selection } from '@d2pruner/core';
import { writeFloat32ArrayWasm } from '@d2pruner/kernels';
import { map, of, pipe, type Observable, type OperatorFunction } from 'rxjs';
import { runStagesOnce } from '../concurrency/jobs.js';
import { pullMap, type PullOptions } from '../concurrency/pull.js';
import { createJob, type PruneJob } from '../job.js';
import { decode, type FileReader } from '../operators/decode.js';
import { prune, withBackend, type PruneOptions } from '../operators/prune.js';
import { priorCheckOf, withPrior } from '../operators/prior.js';
import { lineResult, type BatchResult } from './line-result.js';
import { parseRequestLine, requestIdOf, resolveInputPath } from './request.js';

export type { BatchResult } from './line-result.js';

/** Options of {@link pruneBatch}. */
export interface BatchOptions extends PullOptions, PruneOptions {
  /** Reads the token files the lines name (Node: `nodeReadFile`). */
  readFile?: FileReader;
  /** Folder of the JSONL file; relative `input` paths are joined to it. */
  baseDir?: string;
  /** Replaces the `baseDir` join (Node: `path.resolve`). */
  resolvePath?: (path: string) => string;
  /** Method for lines that name none (default `d2pruner`). */
  method?: string;
  /** Backend for lines that name none (the command line's `--backend`; default `auto`). */
  backend?: string;
  /** Layout for inputs that carry none (`--grid`). */
  layout?: Layout;
  /** A prior given to every input (`--prior`), replacing the files' own. */
  prior?: Float32Array;
  /** The layout signature `prior` was calibrated on (its file's `d2pruner.layoutSignature`): inputs of another layout fail naming `prior`. */
  priorLayout?: string;
  /** The model `prior` was calibrated for (its file's `d2pruner.model`): inputs that record another model fail naming `prior`. */
  priorModel?: string;
  /**
   * Every name `priorModel` goes by, lower-cased (`modelNames` of `@d2pruner/core`): set by a
   * worker pool for its workers, whose adapter registry may be empty. Default: resolved here.
   */
  priorModelNames?: readonly string[];
  /** The layer `prior` was calibrated at (its file's `d2pruner.layer`): inputs that record another layer fail naming `prior`. */
  priorLayer?: number;
  /**
   * The per-request pipeline after parsing; default `decode → withPrior → withBackend → prune`.
   * A custom one receives jobs whose `request` is parsed and must emit each job once.
   */
  stages?: OperatorFunction<PruneJob, PruneJob>;
}

/** A non-blank request line and its 1-based line number in the JSONL input. */
export interface NumberedLine {
  line: number;
  text: string;
}

/** The non-blank lines of a batch with their 1-based line numbers (blank lines are skipped but counted). */
export async function* requestLines(lines: AsyncIterable<string> | Iterable<string>): AsyncGenerator<NumberedLine, void, undefined> {
  let line = 0;
  for await (const text of lines) {
    line++;
    if (text.trim() !== '') yield { line, text };
  }
}

/** The error line of request `index` (input line `line`), with the request's `id` when it has one. */
export function errorResult(index: number, line: number, error: ErrorJson, id?: string | number): BatchResult {
  const body = id === undefined ? { error, line } : { id, error, line };
  return { index, line, text: JSON.stringify(body), error };
}

/**
 * The result line of a finished job: its selection, with the request's `id` first (when given)
 * and its 1-based input `line` last, so every result can be matched to its request whatever the
 * order; or its error (also with `id` and `line`). The pipeline's stage times (`decodeMs`,
 * `pruneMs`, …) join the method's `timings`. Merged rows are written as float32 values
 * (`resultJson` of `@d2pruner/core`, the numbers written in WebAssembly where it runs), and such
 * a line is kept as bytes ({@link selectionPayload}).
 */
export function resultOf(job: PruneJob, line: number): BatchResult {
  const id = job.request.id;
  if (job.error) return errorResult(job.index, line, job.error, id);
  if (!job.selection) return errorResult(job.index, line, new D2PrunerError('INTERNAL', 'stages', 'the per-request pipeline produced no selection').toJSON(), id);
  const body = { ...(id === undefined ? {} : { id }), ...timedSelection(job.selection, job.timings), line };
  return lineResult(job.index, line, selectionPayload(body));
}

/** A selection with a job's stage times (`readMs`, `decodeMs`, `pruneMs`, …) joined to its `timings`. */
export function timedSelection(selection: Selection, timings: PruneJob['timings']): Selection {
  return { ...selection, timings: { ...timings, ...selection.timings } };
}

/** The JSON text of a selection or a result line around one: `resultJson`, merged rows written in WebAssembly where it runs. */
export function selectionText(value: Record<string, unknown>): string {
  return resultJson(value, { writeFloat32Array: writeFloat32ArrayWasm });
}

/**
 * {@link selectionText} for writers of bytes: a line with merged rows as its UTF-8 bytes (never
 * made a string), any other line as its string (`resultJsonPayload` of `@d2pruner/core`).
 */
export function selectionPayload(value: Record<string, unknown>): string | Uint8Array {
  return resultJsonPayload(value, { writeFloat32Array: writeFloat32ArrayWasm });
}

/** The default per-request pipeline of a batch. */
export function batchStages(options: BatchOptions): OperatorFunction<PruneJob, PruneJob> {
  return pipe(
    decode({ readFile: options.readFile, layout: options.layout }),
    options.prior ? withPrior(options.prior, priorCheckOf(options)) : (s: Observable<PruneJob>) => s,
    withBackend(options.backend ?? 'auto'),
    prune(options.method, options),
  );
}

/**
 * Batch pruning (`d2pruner prune --batch`, docs/formats.md §3) with structured results: one
 * {@link BatchResult} per non-blank line, in order (or as finished with `ordered: false`). Lines
 * are pulled only as fast as results leave, so memory stays flat on any batch length; a bad line
 * (invalid JSON, unreadable file, invalid input) yields an error result and the batch goes on.
 */
export function pruneBatchResults(lines: AsyncIterable<string> | Iterable<string>, options: BatchOptions = {}): Observable<BatchResult> {
  const resolve = options.resolvePath ?? ((p: string) => resolveInputPath(p, options.baseDir));
  const stages = options.stages ?? batchStages(options);
  return pullMap(
    requestLines(lines),
    (item: NumberedLine, index: number) => {
      const job = lineJob(item, index, resolve);
      return 'text' in job ? of(job) : jobResult(job, item.line, stages);
    },
    options,
  );
}

/**
 * Request line `item` (request number `index`) parsed into a job, its paths resolved with
 * `resolve` — or, when the line is not a valid request, its error result.
 */
export function lineJob(item: NumberedLine, index: number, resolve: (path: string) => string): PruneJob | BatchResult {
  try {
    return createJob(parseRequestLine(item.text, resolve), index);
  } catch (e) {
    return errorResult(index, item.line, toErrorJson(e), requestIdOf(item.text));
  }
}

/**
 * Runs a parsed request through `stages` and writes its result line (input line `line`); the
 * job's leases are released once the line is written. A selection that cannot be written (a
 * custom method's BigInt, a cycle) fails its line only.
 */
export function jobResult(job: PruneJob, line: number, stages: OperatorFunction<PruneJob, PruneJob>): Observable<BatchResult> {
  return runStagesOnce(job, stages).pipe(
    map((done) => {
      try {
        return resultOf(done, line);
      } catch (e) {
        return errorResult(job.index, line, toErrorJson(e), done.request.id);
      } finally {
        done.release?.();
      }
    }),
  );
}

/**
 * `d2pruner prune --batch FILE.jsonl` as an observable of result lines (without newlines): the
 * selection JSON of each request, or `{"error":{"code","field","message"},"line":K}` for a
 * failed one; every line carries its input `line` last and the request's `id` first when it has
 * one. Order follows the input unless `ordered: false`. See {@link BatchOptions} for concurrency, progress, cancellation, defaults.
 */
export function pruneBatch(lines: AsyncIterable<string> | Iterable<string>, options: BatchOptions = {}): Observable<string> {
  return pruneBatchResults(lines, options).pipe(map((r) => r.text));
}
