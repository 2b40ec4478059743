import { D2PrunerError, type ErrorJson, type Selection } from '@d2pruner/core';
import { batchStages, bytesOf, createJob, selectionPayload, stage, timedSelection, type FileReader, type PruneJob, type PruneRequest } from '@d2pruner/pipeline';
import { helperThread, poolStages, type PrunePool } from '@d2pruner/pipeline/node';
import { Subscription, of, pipe, type OperatorFunction } from 'rxjs';
import { HttpError } from './http-error.js';
import { checkRequestLimits, type RequestLimits } from './limits.js';

/** What every pruning run of the server needs from the server. */
export interface RunContext {
  /** Backend for requests that name none. */
  defaultBackend: string;
  /** Checks (and loads) the backend a job names; rejecting fails the job. */
  ensureBackend: (backend: string) => Promise<void>;
  /** Reads `input` strings (bundled samples). */
  readFile: FileReader;
  /** The worker pool the requests run in; absent: on the event loop (`--workers 0`). */
  pool?: PrunePool;
  /** Bounds checked before a request is queued. */
  limits: RequestLimits;
}

/**
 * Stage `admit`, on the event loop before any work: a sample name is read (the cached bytes,
 * shared with the workers, not copied) and the request is checked against the limits, so an
 * over-limit parameter or shape fails in microseconds with a typed error naming it.
 */
export function admit(ctx: Pick<RunContext, 'readFile' | 'limits'>): OperatorFunction<PruneJob, PruneJob> {
  return stage(
    'admit',
    async (job, { signal }) => {
      const request = typeof job.request.input === 'string' ? { ...job.request, input: bytesOf(await ctx.readFile(job.request.input, signal)) } : job.request;
      try {
        checkRequestLimits(request, ctx.limits);
      } catch (e) {
        if (!(e instanceof HttpError)) throw e;
        return { request, error: { code: e.code as ErrorJson['code'], field: e.field, message: e.message } };
      }
      return { request };
    },
    { timed: false },
  );
}

/**
 * The server's per-request pipeline: {@link admit}, then the whole request — decode, default
 * backend, method — in the worker pool (`poolStages`; GPU backends stay on the event loop), or
 * `@d2pruner/pipeline`'s batch stages here when there is no pool (with the process's helper
 * thread, which CDPruner uses for a second core). Tearing a job down (the
 * deadline) terminates the worker running it.
 */
export function serverStages(ctx: RunContext): OperatorFunction<PruneJob, PruneJob> {
  const options = { readFile: ctx.readFile, backend: ctx.defaultBackend, ensureBackend: ctx.ensureBackend };
  return pipe(admit(ctx), ctx.pool ? poolStages(ctx.pool, options) : batchStages({ ...options, helper: helperThread() }));
}

/** Re-throws a job's error JSON as the library's typed error (code and field kept). */
export function errorFromJson(e: ErrorJson): D2PrunerError {
  return new D2PrunerError(e.code, e.field, e.message);
}

/**
 * The selection JSON of a single request (docs/formats.md §2): the job's selection with the
 * pipeline's stage times (`decodeMs`, `pruneMs`, …) joined to its `timings`. Unlike a batch
 * result line (`resultOf` of `@d2pruner/pipeline`) it carries no `line` (nor `id`): the contract
 * defines those for batch lines only. A selection with merged rows (VisionZip) comes as its UTF-8
 * bytes (`selectionPayload`), which Fastify sends as they are.
 */
export function selectionJson(job: Pick<PruneJob, 'selection' | 'timings'>): string | Uint8Array {
  if (!job.selection) throw new D2PrunerError('INTERNAL', 'pipeline', 'the pipeline produced no selection');
  return selectionPayload(timedSelection(job.selection, job.timings));
}

/** A finished single request: the selection and its JSON (stage times joined to `timings`; bytes for merged rows). */
export interface RunResult {
  selection: Selection;
  json: string | Uint8Array;
}

/**
 * Runs one request through {@link serverStages}. Aborting `signal` unsubscribes, which aborts the
 * stages (a method or file read honouring the signal stops) and rejects with the signal's reason.
 */
export function runOne(request: PruneRequest, ctx: RunContext, signal?: AbortSignal): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason);
      return;
    }
    let done = false;
    const sub = new Subscription();
    const onAbort = () => {
      if (done) return;
      done = true;
      sub.unsubscribe();
      reject(signal?.reason);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    sub.add(
      of(createJob(request, 0))
        .pipe(serverStages(ctx))
        .subscribe({
        next: (job) => {
          if (done) return;
          done = true;
          signal?.removeEventListener('abort', onAbort);
          if (job.error) reject(errorFromJson(job.error));
          else if (!job.selection) reject(new D2PrunerError('INTERNAL', 'pipeline', 'the pipeline produced no selection'));
          else resolve({ selection: job.selection, json: selectionJson(job) });
        },
        error: (e: unknown) => {
          done = true;
          signal?.removeEventListener('abort', onAbort);
          reject(e);
        },
      }),
    );
    if (done) sub.unsubscribe();
  });
}
