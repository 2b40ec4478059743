import type { BudgetSpec, ErrorJson, Layout, MethodParams, Selection, TokenInput } from '@d2pruner/core';
import type { BatchResult, NumberedLine } from '../../batch/batch.js';
import type { EvalOptions } from '../../eval/pipeline.js';
import type { EvalOutcome, EvalRun } from '../../eval/evaluate.js';
import type { PruneRequest } from '../../job.js';

/** Backends a worker runs; jobs naming another (a GPU) run on the calling thread. */
export const WORKER_BACKENDS: ReadonlySet<string> = new Set(['auto', 'cpu']);

/** Whether a request's backend — its own, else the default one, else `auto` — is one a worker runs. */
export function onWorkerBackend(request: { backend?: string }, defaults: { backend?: string }): boolean {
  return WORKER_BACKENDS.has(request.backend ?? defaults.backend ?? 'auto');
}

/** Defaults a worker applies to a request that does not set them (a batch's command-line options). */
export interface WorkerDefaults {
  /** Method for requests that name none (default `d2pruner`). */
  method?: string;
  /** Backend for requests that name none; workers run `auto` and `cpu` only. */
  backend?: string;
  /** Layout for inputs that carry none (`--grid`). */
  layout?: Layout;
  /** Prior given to every input, replacing the files' own (`--prior`). */
  prior?: Float32Array;
  /** The layout signature the prior was calibrated on; inputs of another layout fail naming `prior`. */
  priorLayout?: string;
  /** The model the prior was calibrated for; inputs that record another model fail naming `prior`. */
  priorModel?: string;
  /** Every name `priorModel` goes by, lower-cased, resolved on the calling thread (the worker's adapter registry may be empty). */
  priorModelNames?: readonly string[];
  /** The layer the prior was calibrated at; inputs that record another layer fail naming `prior`. */
  priorLayer?: number;
  /** Parameters for requests that give none. */
  params?: MethodParams;
  /** Budget for requests that give neither `keep` nor `ratio`. */
  budget?: BudgetSpec;
}

/** A whole prune request run in a worker: decode (reading a path in the worker) and the method. */
export interface PruneTask {
  kind: 'prune';
  request: PruneRequest;
  defaults: WorkerDefaults;
}

/** Read and decode one token file in a worker, returning only what calibration averages. */
export interface AttentionTask {
  kind: 'attention';
  input: PruneRequest['input'];
  layout?: Layout;
}

/**
 * Consecutive lines of a batch run in one worker, one after the other: each is parsed, read,
 * decoded, pruned and written as its result line there, so the calling thread only forwards
 * text. `index` is the request's position in the whole batch.
 */
export interface LinesTask {
  kind: 'lines';
  lines: (NumberedLine & { index: number })[];
  /** Folder relative `input` paths are resolved against (`path.resolve`); absent: kept as given. */
  baseDir?: string;
  defaults: WorkerDefaults;
}

/**
 * A line of a {@link LinesTask} that must run on the calling thread: its backend is not one a
 * worker runs (a GPU backend).
 */
export interface CallerLine {
  index: number;
  line: number;
  onCaller: true;
}

/** The outcome of a {@link LinesTask}: one entry per line, in order. */
export interface LinesOutcome {
  results?: (BatchResult | CallerLine)[];
  timings: Record<string, number>;
  /** The task itself failed (its worker died): no line has a result. */
  error?: ErrorJson;
}

/**
 * What a worker needs of the evaluation options (all structured-cloneable), `priorModelNames`
 * resolved on the calling thread (the worker's adapter registry may be empty).
 */
export type EvalWorkerOptions = Pick<EvalOptions, 'layout' | 'prior' | 'priorLayout' | 'priorModel' | 'priorModelNames' | 'priorLayer' | 'backend'>;

/**
 * Every run of an evaluation on one labelled file, in one worker: the file is decoded and its
 * labels read once, then each (method, budget) runs on it (`evaluateOutcomes` of one file).
 */
export interface EvalFileTask {
  kind: 'eval';
  /** The file's name in the outcomes. */
  name: string;
  /** The file's bytes (moved to the worker when they own their buffer). */
  bytes: Uint8Array;
  runs: EvalRun[];
  options: EvalWorkerOptions;
}

/** The outcome of an {@link EvalFileTask}: one outcome per run, in run order. */
export interface EvalFileOutcome {
  outcomes?: EvalOutcome[];
  timings: Record<string, number>;
  /** The task itself failed (its worker died): no run has an outcome. */
  error?: ErrorJson;
}

/** Answers at once: sent to every worker by `warm`, so the workers have loaded their modules. */
export interface PingTask {
  kind: 'ping';
}

/** What a pool worker accepts. */
export type PoolTask = PruneTask | AttentionTask | LinesTask | EvalFileTask | PingTask;

/** The outcome of a {@link PruneTask}: the job fields a batch writes. */
export interface PruneOutcome {
  /** Resolved budget, when the request got that far. */
  budget?: number;
  /** The selection of a successful request. */
  selection?: Selection;
  /** Stage times measured in the worker (`readMs`, `decodeMs`, `pruneMs`). */
  timings: Record<string, number>;
  /** The typed error of a failed request. */
  error?: ErrorJson;
}

/** The outcome of an {@link AttentionTask}. */
export interface AttentionOutcome {
  /** The decoded input's attention, layout, model and layer (the other tensors stay in the worker). */
  input?: Pick<TokenInput, 'attention' | 'model' | 'layer' | 'layout'>;
  /** The input's layout (its own, the task's, or the square default). */
  layout?: Layout;
  timings: Record<string, number>;
  error?: ErrorJson;
}

function isView(x: unknown): x is ArrayBufferView {
  return ArrayBuffer.isView(x);
}

/**
 * The ArrayBuffers that can move (not copy) to another thread with `value`: those of the typed
 * arrays in it (two levels deep: a request's input, a matrix's data, a layout's arrays) that
 * own their whole buffer. Shared memory is shared anyway; a view on part of a buffer (a Node
 * Buffer from the pool) is copied rather than detaching its neighbours.
 */
export function transferables(value: unknown, depth = 3, out: Set<ArrayBuffer> = new Set()): ArrayBuffer[] {
  if (isView(value)) {
    const b = value.buffer;
    if (b instanceof ArrayBuffer && value.byteOffset === 0 && value.byteLength === b.byteLength && b.byteLength > 0) out.add(b);
  } else if (depth > 0 && typeof value === 'object' && value !== null) {
    for (const v of Array.isArray(value) ? value : Object.values(value)) transferables(v, depth - 1, out);
  }
  return [...out];
}

/** The ArrayBuffers behind the typed arrays of `value` (`depth` levels deep, as {@link transferables}). */
export function buffersOf(value: unknown, depth = 3, out: Set<ArrayBufferLike> = new Set()): Set<ArrayBufferLike> {
  if (isView(value)) out.add(value.buffer);
  else if (depth > 0 && typeof value === 'object' && value !== null) {
    for (const v of Array.isArray(value) ? value : Object.values(value)) buffersOf(v, depth - 1, out);
  }
  return out;
}

/**
 * `value` with every typed array that views one of `buffers` replaced by a copy (`depth` levels
 * deep): a result that may share memory with a pooled read buffer owns its arrays before the
 * buffer goes back to the pool.
 */
export function withOwnArrays<T>(value: T, buffers: ReadonlySet<ArrayBufferLike>, depth = 3): T {
  if (isView(value)) return (buffers.has(value.buffer) ? (value as unknown as { slice(): unknown }).slice() : value) as T;
  if (depth <= 0 || typeof value !== 'object' || value === null) return value;
  if (Array.isArray(value)) return value.map((v) => withOwnArrays(v, buffers, depth - 1)) as T;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) out[k] = withOwnArrays(v, buffers, depth - 1);
  return out as T;
}
