import { InvalidArgumentError, readSafetensors, tokenCount, toErrorJson, type ErrorJson, type Layout, type TokenInput } from '@d2pruner/core';
import { concatMap, from, map, mergeMap, of, type Observable, type OperatorFunction } from 'rxjs';
import { pullMap, type PullOptions } from '../concurrency/pull.js';
import { createJob, type PruneJob } from '../job.js';
import { bytesOf, decode, type FileReader } from '../operators/decode.js';
import { prune, type PruneOptions } from '../operators/prune.js';
import { priorCheckOf, withPrior } from '../operators/prior.js';
import { evaluate, runKey, type EvalOutcome, type EvalReport, type EvalRun } from './evaluate.js';
import { labelsFromSafetensors, type EvalLabels } from './labels.js';
import { evalBudget } from './metrics.js';

/** A labelled input: a path (read through `readFile`), the bytes of a file, or a named in-memory file. */
export type EvalSource = string | { name: string; bytes: Uint8Array };

/** Options of {@link evaluateOutcomes} and {@link evaluateFiles}. */
export interface EvalOptions extends PullOptions, Pick<PruneOptions, 'ensureBackend' | 'helper'> {
  /** Every (method, budget) to run on every file. */
  runs: readonly EvalRun[];
  /** Reads paths (Node: `nodeReadFile` from `@d2pruner/pipeline/node`). */
  readFile?: FileReader;
  /** Layout for inputs that carry none (`--grid`). */
  layout?: Layout;
  /** A prior given to every input (`--prior`), replacing the files' own. */
  prior?: Float32Array;
  /** The layout signature `prior` was calibrated on; files of another layout are skipped naming `prior`. */
  priorLayout?: string;
  /** The model `prior` was calibrated for (`d2pruner.model`); files that record another model are skipped naming `prior`. */
  priorModel?: string;
  /**
   * Every name `priorModel` goes by, lower-cased (`modelNames` of `@d2pruner/core`), resolved
   * where the adapters are registered (a worker's adapter registry may be empty); default:
   * `priorModel` is resolved through this thread's adapter registry.
   */
  priorModelNames?: readonly string[];
  /** The layer `prior` was calibrated at (`d2pruner.layer`); files that record another layer are skipped naming `prior`. */
  priorLayer?: number;
  /** Kernel backend (default `auto`). */
  backend?: string;
  /**
   * The per-run pipeline; default the batch pipeline's `prune` stage on the decoded tokens. It
   * receives one job per (file, run) whose `input` is the decoded file and whose request names
   * the method, `keep` (the resolved budget), params and backend, with `request.input` the file's
   * source (its path, or a copy of its bytes) — so a worker pool's `poolStages` can run it
   * off-thread. It must emit each job once, with `selection` or `error`.
   */
  stages?: OperatorFunction<PruneJob, PruneJob>;
}

interface DecodedFile {
  source: EvalSource;
  file: string;
  index: number;
  job?: PruneJob;
  labels?: EvalLabels;
  error?: ErrorJson;
}

/** The name an input's outcomes carry: its path, or the in-memory file's name. */
export function evalSourceName(source: EvalSource): string {
  return typeof source === 'string' ? source : source.name;
}

/** The bytes of a labelled input: a path read with `options.readFile`, or the in-memory bytes themselves. */
export async function readEvalSource(source: EvalSource, options: Pick<EvalOptions, 'readFile'>): Promise<Uint8Array> {
  if (typeof source !== 'string') return source.bytes;
  if (!options.readFile) throw new InvalidArgumentError('readFile', `input '${source}' is a path but the evaluation has no file reader (Node: nodeReadFile)`);
  return bytesOf(await options.readFile(source, new AbortController().signal));
}

/** Reads one file once: the `decode` stage of the batch pipeline for the tokens, then the labels. */
function decodeFile(source: EvalSource, index: number, options: EvalOptions): Observable<DecodedFile> {
  const file = evalSourceName(source);
  const read = readEvalSource(source, options).then(
    (bytes) => ({ bytes }),
    (e: unknown) => ({ error: toErrorJson(e) }),
  );
  return from(read).pipe(
    mergeMap((r) =>
      'error' in r
        ? of<DecodedFile>({ source, file, index, error: r.error })
        : of(createJob({ id: file, input: r.bytes }, index)).pipe(
        decode({ layout: options.layout }),
        options.prior ? withPrior(options.prior, priorCheckOf(options)) : (s: Observable<PruneJob>) => s,
        map((job): DecodedFile => {
          if (job.error) return { source, file, index, error: job.error };
          try {
            return { source, file, index, job, labels: labelsFromSafetensors(readSafetensors(r.bytes), tokenCount(job.input as TokenInput)) };
          } catch (e) {
            return { source, file, index, error: toErrorJson(e) };
          }
        }),
      ),
    ),
  );
}

/** Runs one (method, budget) on a decoded file through the batch pipeline's `prune` stage. */
function runOnFile(d: DecodedFile, run: EvalRun, options: EvalOptions): Observable<EvalOutcome> {
  const base = { file: d.file, fileIndex: d.index, run };
  if (!d.job || !d.labels) return of({ ...base, error: d.error, ms: 0 });
  const labels = d.labels;
  let n: number;
  try {
    n = evalBudget(run.budget, labels.object.length);
  } catch (e) {
    return of({ ...base, error: toErrorJson(e), ms: 0 });
  }
  // stages may move the bytes to a worker: they get a copy (a Node Buffer's `slice` would be a view)
  const job: PruneJob = {
    ...d.job,
    request: { ...d.job.request, input: typeof d.source === 'string' ? d.source : options.stages ? new Uint8Array(d.source.bytes) : d.source.bytes, method: run.method, keep: n, params: run.params ?? {}, backend: d.job.request.backend ?? options.backend ?? 'auto' },
    timings: {},
  };
  return of(job).pipe(
    options.stages ?? prune(undefined, { ensureBackend: options.ensureBackend, helper: options.helper }),
    map((done): EvalOutcome => ({ ...base, n, labels, layout: done.layout, selection: done.selection, error: done.error, ms: done.timings.pruneMs ?? 0 })),
  );
}

/**
 * `d2pruner eval` as a stream: every run of `options.runs` on every labelled file (docs/eval.md §3),
 * one {@link EvalOutcome} per (file, run) in file order. Each file is read and decoded once
 * (the batch pipeline's `decode`, then its labels), and each run goes through the batch
 * pipeline's `prune` stage; files are pulled with bounded concurrency and backpressure
 * ({@link pullMap}). A file that cannot be read, or lacks what a method needs, yields skipped
 * outcomes with the reason and the stream goes on.
 */
export function evaluateOutcomes(sources: AsyncIterable<EvalSource> | Iterable<EvalSource>, options: EvalOptions): Observable<EvalOutcome> {
  checkEvalRuns(options.runs);
  return pullMap(
    sources,
    (source: EvalSource, index: number) =>
      decodeFile(source, index, options).pipe(concatMap((d) => from(options.runs).pipe(concatMap((run) => runOnFile(d, run, options))))),
    options,
  );
}

/**
 * Checks an evaluation's runs before any file is read: at least one, and each (method, budget)
 * once — the report has one row per (method, budget), so a second run of it would be counted
 * into the first. Typed errors name `methods` or `runs`.
 */
export function checkEvalRuns(runs: readonly EvalRun[]): void {
  if (runs.length === 0) throw new InvalidArgumentError('methods', 'an evaluation needs at least one (method, budget)');
  const keys = runs.map(runKey);
  const twice = keys.find((k, i) => keys.indexOf(k) !== i);
  if (twice !== undefined) throw new InvalidArgumentError('runs', `the run ${twice} is given twice (one row per method and budget; parameters do not split a row)`);
}

/** {@link evaluateOutcomes} reduced by {@link evaluate}: the eval JSON of docs/eval.md §3. */
export function evaluateFiles(sources: AsyncIterable<EvalSource> | Iterable<EvalSource>, options: EvalOptions): Observable<EvalReport> {
  return evaluateOutcomes(sources, options).pipe(evaluate(options.runs));
}
