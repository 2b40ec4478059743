import { toErrorJson, type ErrorJson, type Layout, type MethodParams, type Selection, type TokenInput } from '@d2pruner/core';
import type { D2PrunerProblem } from '@d2pruner/methods';
import type { ConflictGraph } from '@d2pruner/mis';

/**
 * Where a request's tokens come from: a file path (read through an injected reader), the bytes
 * of a safetensors file, or an already decoded {@link TokenInput}.
 */
export type PruneSource = string | Uint8Array | TokenInput;

/** One pruning request: the API form of a batch line (docs/formats.md §3). */
export interface PruneRequest {
  /** Caller's identifier, echoed in the result (optional). */
  id?: string | number;
  /** The tokens: a path, safetensors bytes, or a decoded input. */
  input: PruneSource;
  /** Method name or alias; the pipeline's default (`d2pruner`) when absent. */
  method?: string;
  /** Tokens to keep (give this or `ratio`). */
  keep?: number;
  /** Fraction of N to keep (give this or `keep`). */
  ratio?: number;
  /** Method parameters, API names. */
  params?: MethodParams;
  /** Kernel backend for this request (`auto`, `cpu`, `webgpu`, …); overrides {@link withBackend}. */
  backend?: string;
  /** Layout to use when the input carries none (`--grid`, a model adapter). */
  layout?: Layout;
}

/**
 * A graph the MIS stage can walk: the lazy or dense hybrid graph of `@d2pruner/graph`, or a
 * user graph. `backend` says which kernel backend built it.
 */
export interface JobGraph extends ConflictGraph {
  /** Kernel backend that built it (`cpu` for the lazy graph). */
  readonly backend?: string;
}

/**
 * The unit that flows through every pipeline operator: a request and everything computed for it
 * so far. Stages return a new job with their fields added; a job with `error` set is passed
 * through untouched by every later stage, so one bad item never ends the stream.
 */
export interface PruneJob {
  /** Position of the request in its stream (0-based), the key of ordered output. */
  readonly index: number;
  /** The request. */
  readonly request: PruneRequest;
  /** The decoded tokens (after {@link decode}). */
  readonly input?: TokenInput;
  /** The layout of the tokens: the input's, the request's, or the square default when N is square. */
  readonly layout?: Layout;
  /** Resolved budget n (after `prepare` or `prune`). */
  readonly budget?: number;
  /** The validated D2Pruner problem (after `prepare`). */
  readonly problem?: D2PrunerProblem;
  /** Debiased importance I [N] (after `score`). */
  readonly importance?: Float64Array;
  /** All tokens by importance, descending, ties → lower index (after `selectPivots`). */
  readonly order?: Int32Array;
  /** Pivot tokens, in importance order (after `selectPivots`). */
  readonly pivots?: Int32Array;
  /** Candidate tokens R, in importance order (after `selectPivots`). */
  readonly candidates?: Int32Array;
  /** Supplementary slots m (after `selectPivots`). */
  readonly m?: number;
  /** The hybrid graph over the candidates (after `buildGraph`). */
  readonly graph?: JobGraph;
  /** Supplementary tokens in pick order (after `selectMIS`). */
  readonly picks?: number[];
  /** MIS rounds that ran (after `selectMIS`). */
  readonly rounds?: number;
  /** The result (after `selectMIS` or `prune`). */
  readonly selection?: Selection;
  /** Milliseconds spent per stage, keyed `<stage>Ms`. */
  readonly timings: Readonly<Record<string, number>>;
  /** The error that stopped this job, as docs/formats.md §2 writes it. */
  readonly error?: ErrorJson;
  /**
   * Gives back memory the decoded input borrows (a pooled read buffer, see `LentBytes`). The
   * job's last owner calls it once the result is written — the batch does, after the result
   * line; nothing may read `input` afterwards. Absent when the input owns its memory.
   */
  readonly release?: () => void;
}

/** A job that failed: `error` is set. */
export type FailedJob = PruneJob & { readonly error: ErrorJson };

/** Makes a job from a request (or a bare source) at position `index`. */
export function createJob(request: PruneRequest | PruneSource, index: number): PruneJob {
  const req = isRequest(request) ? request : { input: request };
  return { index, request: req, timings: {} };
}

function isRequest(x: PruneRequest | PruneSource): x is PruneRequest {
  return typeof x === 'object' && x !== null && !(x instanceof Uint8Array) && 'input' in x;
}

/** True when the job carries an error. */
export function isFailed(job: PruneJob): job is FailedJob {
  return job.error !== undefined;
}

/** The job with `error` set from anything thrown (typed errors keep their code and field). */
export function failJob(job: PruneJob, e: unknown): FailedJob {
  return { ...job, error: toErrorJson(e) };
}

/**
 * The job with the heavy intermediate results dropped (input tensors, graph, importance), keeping
 * the request, selection, timings and error. Use before holding many finished jobs in memory.
 */
export function slimJob(job: PruneJob): PruneJob {
  const { index, request, budget, selection, timings, error } = job;
  const slimRequest = typeof request.input === 'string' ? request : { ...request, input: '<in memory>' };
  return { index, request: slimRequest, budget, selection, timings, error };
}
