import { InvalidArgumentError, type TokenInput } from '@d2pruner/core';
import { getMethod } from '@d2pruner/methods';
import type { PruneRequest } from '@d2pruner/pipeline';
import type { FastifyInstance } from 'fastify';
import { requestSignal } from '../deadline.js';
import { HttpError } from '../http-error.js';
import { checkSafetensorsCaps } from '../input/caps.js';
import { tokenInputFromJson } from '../input/json-input.js';
import { PARSED_INPUT } from '../input/prune-body.js';
import { PRUNE_BODY_KEYS, mergeSpecs, pruneSpecFromBody, pruneSpecFromQuery, type PruneSpec } from '../input/request.js';
import { runOne } from '../run.js';
import type { RouteSchemas } from '../schemas/routes.js';
import type { ServerState } from '../state.js';

function isRecord(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x) && !(x instanceof Uint8Array) && typeof (x as { pipe?: unknown }).pipe !== 'function';
}

/** The request's tokens (body or sample) and its spec (query over body). */
async function readRequest(body: unknown, query: Record<string, unknown>, state: ServerState): Promise<{ source: Uint8Array | TokenInput; spec: PruneSpec }> {
  let source: Uint8Array | TokenInput | undefined;
  let bodySpec: PruneSpec = { params: {} };
  if (body instanceof Uint8Array) {
    if (body.byteLength > 0) {
      checkSafetensorsCaps(body, state.caps);
      source = body;
    }
  } else if (isRecord(body)) {
    bodySpec = pruneSpecFromBody(body, state.caps.maxTokens);
    // a large body comes parsed by the JSON worker, its tensors already typed arrays
    const input = (body as { [PARSED_INPUT]?: TokenInput })[PARSED_INPUT] ?? tokenInputFromJson(body, state.caps, new Set(PRUNE_BODY_KEYS));
    if (Object.keys(input).length > 0) source = input;
  } else if (body !== undefined && body !== null) {
    if (typeof body === 'string' || typeof (body as { pipe?: unknown }).pipe === 'function') {
      throw new HttpError('UNSUPPORTED_MEDIA_TYPE', 'content-type', 'POST /v1/prune takes application/octet-stream (safetensors) or application/json; NDJSON goes to /v1/prune/batch');
    }
    throw new HttpError('MALFORMED_BODY', 'body', 'a JSON body must be an object: {"features":…,"attention":…,"keep":…}');
  }
  const spec = mergeSpecs(bodySpec, pruneSpecFromQuery(query, bodySpec.method, state.caps.maxTokens));
  if (spec.sample !== undefined) {
    if (source) throw new InvalidArgumentError('sample', 'give the tokens either in the body or as ?sample=NAME, not both');
    source = await state.samples.read(spec.sample, 'sample');
  }
  if (!source) throw new InvalidArgumentError('body', 'no tokens: send a safetensors body (application/octet-stream), a JSON input ({"features","attention",…}), or ?sample=NAME');
  getMethod(spec.method ?? 'd2pruner');
  return { source, spec };
}

/** `POST /v1/prune`: one input → the selection JSON of docs/formats.md §2. */
export function pruneRoute(app: FastifyInstance, state: ServerState, schema: RouteSchemas['prune']): void {
  app.post('/v1/prune', { schema, config: { gated: true } }, async (request, reply) => {
    const { source, spec } = await readRequest(request.body, request.query as Record<string, unknown>, state);
    const req: PruneRequest = { input: source, params: spec.params };
    if (spec.method !== undefined) req.method = spec.method;
    if (spec.keep !== undefined) req.keep = spec.keep;
    if (spec.ratio !== undefined) req.ratio = spec.ratio;
    if (spec.backend !== undefined) req.backend = spec.backend;
    if (spec.layout !== undefined) req.layout = spec.layout;
    try {
      const { selection, json } = await runOne(req, state.runContext(), requestSignal(request));
      state.metrics.selections.inc([selection.method, selection.backend]);
      state.metrics.selectionTime.observe([selection.method, selection.backend], (selection.timings.totalMs ?? 0) / 1000);
      return reply.type('application/json; charset=utf-8').send(json);
    } catch (e) {
      if (reply.sent || reply.raw.headersSent) return;
      throw e;
    }
  });
}
