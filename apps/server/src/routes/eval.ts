import { InvalidArgumentError, InvalidInputError, MissingTensorError, priorKeyFromMetadata, readSafetensors, type ErrorJson } from '@d2pruner/core';
import { budgetsFromText, evalRuns, evaluateFiles, prune, splitList, type EvalSource, type PruneJob } from '@d2pruner/pipeline';
import { poolStages } from '@d2pruner/pipeline/node';
import type { FastifyInstance } from 'fastify';
import { lastValueFrom, mergeMap, of, pipe, timeout, type Observable } from 'rxjs';
import { HttpError, errorResponse } from '../http-error.js';
import { parseEvalLine } from '../input/eval-line.js';
import { OFFLOAD_JSON_BYTES } from '../input/json-body-pool.js';
import { LineOverBudgetError, ndjsonLines } from '../input/ndjson.js';
import { textOfParts } from '../input/line-segments.js';
import { admit, errorFromJson } from '../run.js';
import type { RouteSchemas } from '../schemas/routes.js';
import type { ServerState } from '../state.js';
import { NDJSON_TYPES } from './batch.js';

const QUERY_KEYS = new Set(['methods', 'ratio', 'keep', 'param', 'prior', 'backend']);

/** A query value as one string; repeating a single-valued key is a typed error naming it. */
function single(query: Record<string, unknown>, key: string): string | undefined {
  const v = query[key];
  if (v === undefined) return undefined;
  if (typeof v !== 'string') throw new InvalidArgumentError(key, `give ${key} once`);
  return v;
}

function isAsyncIterable(x: unknown): x is AsyncIterable<Uint8Array> {
  return typeof (x as { [Symbol.asyncIterator]?: unknown } | null)?.[Symbol.asyncIterator] === 'function';
}

/**
 * `POST /v1/eval` (docs/eval.md): NDJSON in — one labelled input per line,
 * `{"input":"SAMPLE"}` (a bundled sample) or `{"input":"data:…;base64,…","name":"x"}` — and
 * the eval JSON of `d2pruner eval --json` out, computed by the same pipeline; each (file, method,
 * budget) is admitted against the server's limits and runs in its worker pool like a batch line. Query: `methods`
 * (comma list, default d2pruner,fastv,divprune), `ratio` or `keep` (comma lists, default ratio
 * 0.1), `param=method.name=value` (repeatable), `prior` (a bundled sample holding a `prior`
 * tensor), `backend`. A bad line, an unreadable input or a method missing a tensor is counted as
 * skipped with its reason; the evaluation goes on.
 */
export function evalRoute(app: FastifyInstance, state: ServerState, schema: RouteSchemas['eval']): void {
  app.post('/v1/eval', { schema, config: { gated: true, streaming: true } }, async (request, reply) => {
    if (!isAsyncIterable(request.body)) throw new HttpError('UNSUPPORTED_MEDIA_TYPE', 'content-type', `send NDJSON (${NDJSON_TYPES.join(', ')}): one labelled input per line`);
    const query = request.query as Record<string, unknown>;
    for (const k of Object.keys(query)) if (!QUERY_KEYS.has(k)) throw new InvalidArgumentError(k, `unknown query parameter '${k}'; query: ${[...QUERY_KEYS].join(', ')}`);
    const params = query.param === undefined ? [] : Array.isArray(query.param) ? (query.param as unknown[]).map(String) : [String(query.param)];
    const runs = evalRuns(splitList(single(query, 'methods') ?? 'd2pruner,fastv,divprune', 'methods'), budgetsFromText(single(query, 'ratio'), single(query, 'keep')), params);
    const backend = single(query, 'backend');
    if (backend !== undefined) await state.backends.ensure(backend);
    const ctx = state.runContext();
    const priorName = single(query, 'prior');
    let prior: Float32Array | undefined;
    let priorKey: { priorLayout?: string; priorModel?: string; priorLayer?: number } = {};
    if (priorName !== undefined) {
      const file = readSafetensors(await state.samples.read(priorName, 'prior'));
      const t = file.get('prior');
      if (!t) throw new MissingTensorError('prior', `the prior sample '${priorName}'`);
      prior = t.data;
      // a prior is keyed by (model, layer, layout): inputs that record another are skipped naming prior
      const key = priorKeyFromMetadata(file.metadata);
      priorKey = { priorLayout: key.layoutSignature, priorModel: key.model, priorLayer: key.layer };
    }
    const { caps, config } = state;
    const failed = new Map<string, ErrorJson>();
    // a line's bytes count against --max-buffered-bytes from its first byte until it is parsed;
    // whatever is still held goes back when the response closes
    const hold = state.bodies.hold();
    reply.raw.once('close', () => hold.release());
    async function* sources(): AsyncGenerator<EvalSource, void, undefined> {
      const pool = state.jsonBodies;
      for await (const item of ndjsonLines(request.body as AsyncIterable<Uint8Array>, config.maxBodyBytes, hold, { rawFrom: pool ? OFFLOAD_JSON_BYTES : undefined })) {
        const name = `line ${item.line}`;
        let parsed: EvalSource;
        try {
          if ('tooLarge' in item) throw new HttpError('PAYLOAD_TOO_LARGE', 'line', `line ${item.line} has more than ${config.maxBodyBytes} bytes (--max-body-bytes)`);
          // a large line (a file in base64) comes undecoded and is parsed and decoded by the JSON thread, as a large batch line is
          const line = 'parts' in item && pool ? await pool.parseEvalLine(item.parts, name, sub.signal) : parseEvalLine('text' in item ? item.text : textOfParts(item.parts), caps, name);
          parsed = 'sample' in line ? line.sample : line;
        } catch (e) {
          failed.set(name, e instanceof SyntaxError ? new InvalidInputError('line', 'the line is not valid JSON').toJSON() : (errorResponse(e).body.error as ErrorJson));
          parsed = name;
        } finally {
          if ('bytes' in item) hold.give(item.bytes);
        }
        yield parsed;
      }
    }
    const runOptions = { readFile: ctx.readFile, backend: backend ?? ctx.defaultBackend, ensureBackend: ctx.ensureBackend, prior, ...priorKey };
    const sub = new AbortController();
    reply.raw.once('close', () => sub.abort());
    // the answer comes at the end, so the socket is quiet while the runs compute: each run is
    // bounded (a slot, then --timeout-ms) and a client that leaves aborts the rest, so the
    // socket's idle timeout must not cut the connection in between
    request.raw.setTimeout(0);
    const runTimeout = config.timeoutMs;
    const inPool = ctx.pool ? poolStages(ctx.pool, runOptions) : prune(undefined, runOptions);
    // every run takes a --max-concurrent slot like a batch line, and gets --timeout-ms from then on
    const gatedRun = (jobs: Observable<PruneJob>): Observable<PruneJob> =>
      jobs.pipe(
        mergeMap((job) =>
          of(job).pipe(
            state.gate.through(pipe(admit(ctx), inPool)),
            timeout({
              first: runTimeout,
              with: () => of({ ...job, error: errorResponse(new HttpError('TIMEOUT', 'run', `${String(job.request.method)} at keep ${String(job.request.keep)} took longer than ${runTimeout} ms (--timeout-ms)`)).body.error as ErrorJson }),
            }),
          ),
        ),
      );
    const evaluation = lastValueFrom(
      evaluateFiles(sources(), {
        runs,
        prior,
        ...priorKey,
        backend: runOptions.backend,
        ensureBackend: ctx.ensureBackend,
        stages: gatedRun,
        readFile: (name, signal) => {
          const error = failed.get(name);
          return error ? Promise.reject(errorFromJson(error)) : ctx.readFile(name, signal);
        },
        concurrency: config.batchConcurrency,
        signal: sub.signal,
      }),
    );
    const report = await evaluation.catch((e: unknown) => {
      if (e instanceof LineOverBudgetError) state.metrics.rejected.inc(['buffered_bytes']);
      throw e;
    });
    return reply.type('application/json; charset=utf-8').send(report);
  });
}
