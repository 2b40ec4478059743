import { PassThrough, type Readable } from 'node:stream';
import { InvalidArgumentError } from '@d2pruner/core';
import { createJob, pullMap, requestIdOf, resultOf, type PruneJob, type PruneRequest } from '@d2pruner/pipeline';
import { drainGate } from '@d2pruner/pipeline/node';
import type { FastifyInstance } from 'fastify';
import { catchError, defer, finalize, from, map, mergeMap, of, timeout, type Observable } from 'rxjs';
import { HttpError, errorResponse } from '../http-error.js';
import { parseBatchLine } from '../input/batch-line.js';
import { OFFLOAD_JSON_BYTES, failedLineId } from '../input/json-body-pool.js';
import { textOfParts } from '../input/line-segments.js';
import { LineOverBudgetError, ndjsonLines, type NdjsonLine } from '../input/ndjson.js';
import { serverStages } from '../run.js';
import type { RouteSchemas } from '../schemas/routes.js';
import type { ServerState } from '../state.js';

/** Media types `POST /v1/prune/batch` accepts. */
export const NDJSON_TYPES: readonly string[] = ['application/x-ndjson', 'application/ndjson', 'application/jsonl', 'application/x-jsonlines'];

function errorLine(line: number, error: { code: string; field: string; message: string }, id?: string | number): string {
  return JSON.stringify(id === undefined ? { error, line } : { id, error, line });
}

function isReadable(x: unknown): x is Readable {
  return typeof (x as { pipe?: unknown } | null)?.pipe === 'function' && typeof (x as { on?: unknown }).on === 'function';
}

/**
 * `POST /v1/prune/batch`: NDJSON in (one request per line, see `parseBatchLine`), NDJSON out,
 * streamed in order: the selection JSON or `{"error":{…},"line":K}` per non-blank line, as the
 * CLI's batch mode writes them. Lines are pulled only as results leave (backpressure from the
 * socket), `batchConcurrency` run at once, each within `timeoutMs` (waiting for a concurrency
 * slot included: a line takes one only once it is complete); a bad line yields an error line and
 * the batch goes on. Query: `method`, `backend` as defaults for lines that name none.
 */
export function batchRoute(app: FastifyInstance, state: ServerState, schema: RouteSchemas['batch']): void {
  app.post('/v1/prune/batch', { schema, config: { gated: true, streaming: true } }, async (request, reply) => {
    const body = request.body;
    if (!isReadable(body)) throw new HttpError('UNSUPPORTED_MEDIA_TYPE', 'content-type', `send NDJSON (${NDJSON_TYPES.join(', ')}): one request per line`);
    const query = request.query as Record<string, unknown>;
    for (const k of Object.keys(query)) if (k !== 'method' && k !== 'backend') throw new InvalidArgumentError(k, `unknown query parameter '${k}' for a batch; lines carry their own parameters (query: method, backend)`);
    const defaultMethod = typeof query.method === 'string' ? query.method : undefined;
    const defaultBackend = typeof query.backend === 'string' ? query.backend : undefined;
    if (defaultBackend !== undefined) await state.backends.ensure(defaultBackend);
    const ctx = state.runContext();
    const stages = serverStages({ ...ctx, defaultBackend: defaultBackend ?? ctx.defaultBackend });
    const out = new PassThrough();
    const { metrics, caps, config } = state;
    // each line's bytes count against --max-buffered-bytes from its first byte until its work is
    // done; whatever the batch still holds goes back when the response closes
    const hold = state.bodies.hold();
    reply.raw.once('close', () => hold.release());

    const lineWork = (item: NdjsonLine, index: number): Observable<string | Uint8Array> => {
      if ('tooLarge' in item) {
        metrics.errors.inc(['PAYLOAD_TOO_LARGE']);
        return of(errorLine(item.line, { code: 'PAYLOAD_TOO_LARGE', field: 'line', message: `line ${item.line} has more than ${config.maxBodyBytes} bytes (--max-body-bytes)` }));
      }
      // a large line comes undecoded and is parsed by the JSON thread, as a large body of
      // POST /v1/prune is; its id, when it fails, comes from there too (a scan of its text)
      const pool = state.jsonBodies;
      const parsed: Observable<PruneRequest> =
        'parts' in item && pool
          ? defer(() => {
              const ac = new AbortController();
              return from(pool.parseLine(item.parts, ac.signal)).pipe(finalize(() => ac.abort()));
            })
          : defer(() => of(parseBatchLine('text' in item ? item.text : textOfParts(item.parts), caps)));
      // a line that fails before it parses names its id when the text is here to scan (a large one: when the JSON thread found it)
      const idOf = (e?: unknown) => ('text' in item ? requestIdOf(item.text) : failedLineId(e));
      let job: PruneJob | undefined;
      const lineResult = parsed.pipe(
        mergeMap((req) => {
          if (req.method === undefined && defaultMethod !== undefined) req.method = defaultMethod;
          job = createJob(req, index);
          return of(job).pipe(
            state.gate.through(stages),
            map((done) => {
              if (done.error) metrics.errors.inc([done.error.code]);
              else if (done.selection) metrics.selections.inc([done.selection.method, done.selection.backend]);
              const r = resultOf(done, item.line);
              return r.bytes ?? r.text;
            }),
          );
        }),
      );
      return lineResult.pipe(
        catchError((e: unknown) => {
          // only a line that failed to parse errors here: a failed job is its result line
          if (job !== undefined) throw e;
          const { body: eb } = errorResponse(e);
          metrics.errors.inc([eb.error.code]);
          return of(errorLine(item.line, eb.error, idOf(e)));
        }),
        timeout({
          first: config.timeoutMs,
          with: () => {
            metrics.errors.inc(['TIMEOUT']);
            return of(errorLine(item.line, { code: 'TIMEOUT', field: 'line', message: `line ${item.line} took longer than ${config.timeoutMs} ms (--timeout-ms)` }, job?.request.id ?? idOf()));
          },
        }),
      );
    };

    // a line's bytes go back once its result is out (or it is torn down)
    const work = (item: NdjsonLine, index: number): Observable<string | Uint8Array> => ('tooLarge' in item ? lineWork(item, index) : lineWork(item, index).pipe(finalize(() => hold.give(item.bytes))));

    const lines = ndjsonLines(body as AsyncIterable<Uint8Array>, config.maxBodyBytes, hold, { rawFrom: state.jsonBodies ? OFFLOAD_JSON_BYTES : undefined });
    const sub = pullMap(lines, work, {
      concurrency: config.batchConcurrency,
      gate: drainGate(out),
    }).subscribe({
      next: (line) => {
        if (typeof line === 'string') out.write(line + '\n');
        else {
          out.write(line);
          out.write('\n');
        }
      },
      error: (e: unknown) => {
        const { body: eb } = errorResponse(e);
        if (e instanceof LineOverBudgetError) {
          metrics.errors.inc([eb.error.code]);
          metrics.rejected.inc(['buffered_bytes']);
        }
        reply.raw.once('finish', () => request.raw.destroy());
        out.end((e instanceof LineOverBudgetError ? errorLine(e.line, eb.error) : JSON.stringify({ error: eb.error })) + '\n');
      },
      complete: () => out.end(),
    });
    reply.raw.once('close', () => sub.unsubscribe());
    return reply.type('application/x-ndjson; charset=utf-8').send(out);
  });
}
