import { MAX_COST_TOKENS, type Method } from '@d2pruner/core';
import { Type, type TSchema } from 'typebox';
import { STATUS_OF } from '../http-error.js';
import { paramQueryProperties } from './params.js';
import { BatchErrorSchema, BatchLineSchema, ErrorSchema, GenerateSummarySchema, GenerateTokenSchema, SelectionSchema, generateBodySchema, jsonPruneBodySchema, pruneFieldProperties } from './bodies.js';

/** A Fastify route schema (validation + OpenAPI). */
export type RouteSchema = Record<string, unknown>;

/** Error responses of the given statuses, each listing its codes (OpenAPI; also the serializer). */
export function errorResponses(...statuses: number[]): Record<string, TSchema> {
  const out: Record<string, TSchema> = {};
  for (const status of statuses) {
    const codes = Object.entries(STATUS_OF)
      .filter(([, s]) => s === status)
      .map(([c]) => c);
    out[String(status)] = Type.Object(ErrorSchema.properties, { description: `error: ${codes.join(', ')}${status === 503 ? ' (with Retry-After)' : ''}` });
  }
  return out;
}

/**
 * A 200 response whose body is not JSON, under its real media type (the one the route sends,
 * without `charset`): `schema` describes the body, or (with `x-items` / `x-events`) the items of a
 * stream. Fastify never serializes these bodies (the routes send strings, buffers or streams), so
 * the schema is documentation; `@fastify/swagger` copies `content` into `/openapi.json` as it is.
 */
export function mediaResponse(mediaType: string, description: string, schema: TSchema): { description: string; content: Record<string, { schema: TSchema }> } {
  return { description, content: { [mediaType]: { schema } } };
}

const loose = (description: string) => Type.Object({}, { additionalProperties: true, description });
const ADAPTER_QUERY = {
  model: Type.String({ minLength: 1, maxLength: 128, description: 'adapter id, e.g. llava-1.5-7b' }),
  image: Type.String({ pattern: '^\\s*\\d+\\s*[xX×]\\s*\\d+\\s*$', maxLength: 32, description: 'image size WxH' }),
  'max-tiles': Type.Integer({ minimum: 1, description: 'InternVL tiling limit (tiles per image); maxTiles is the same option, give one' }),
  maxTiles: Type.Integer({ minimum: 1, description: 'same as max-tiles' }),
};

/**
 * Every route's schema, built once per app from the registered methods: the query strings and
 * bodies Fastify validates (Ajv, before the handler runs) and `@fastify/swagger` documents.
 * Method parameters come from the methods' ParamSpecs.
 */
export function routeSchemas(methods: readonly Method[]) {
  const names = methods.map((m) => m.name);
  const pruneQuery = Type.Object({ ...pruneFieldProperties(names), ...paramQueryProperties(methods) }, { additionalProperties: false });
  return {
    prune: {
      summary: 'Prune one input',
      description: 'The tokens come as a safetensors body, a JSON input, or ?sample=NAME. Method parameters by name in the query (camelCase or kebab-case) or in the JSON body\'s "params".',
      querystring: pruneQuery,
      body: { content: { 'application/json': { schema: jsonPruneBodySchema(names) } } },
      response: { 200: SelectionSchema, ...errorResponses(400, 404, 413, 415, 422, 500, 503, 504) },
    },
    batch: {
      summary: 'Prune many inputs: NDJSON in, NDJSON out (streamed, in order)',
      description: 'One request per line (BatchLine); one result line per request: a Selection (with "id" when given) or a BatchError. The query gives defaults for lines that name none.',
      querystring: Type.Object({ method: Type.Optional(Type.String({ description: 'method for lines that name none' })), backend: Type.Optional(Type.String({ maxLength: 64, description: 'backend for lines that name none: auto, cpu or webgpu' })) }, { additionalProperties: false }),
      response: {
        200: mediaResponse(
          'application/x-ndjson',
          'an NDJSON stream: one line per request line, in order, each a Selection (with "id" when given) or a BatchError (x-items)',
          Type.String({ description: 'newline-delimited JSON; the schema of each line is x-items', 'x-items': Type.Union([SelectionSchema, BatchErrorSchema]) }),
        ),
        ...errorResponses(400, 413, 415, 422, 503),
      },
    },
    eval: {
      summary: 'Evaluate methods on labelled inputs (docs/eval.md): NDJSON in, the d2pruner eval --json object out',
      description:
        'One labelled input per line ({"input":"SAMPLE"} or {"input":"data:…;base64,…","name":"x"}); every (method, budget) runs on every input. A bad line, an unreadable input or a method missing a tensor counts as skipped with its reason.',
      querystring: Type.Object(
        {
          methods: Type.Optional(Type.String({ maxLength: 1024, description: 'comma-separated methods (default d2pruner,fastv,divprune)' })),
          ratio: Type.Optional(Type.String({ maxLength: 1024, description: 'comma-separated budgets as fractions of N (default 0.1)' })),
          keep: Type.Optional(Type.String({ maxLength: 1024, description: 'comma-separated budgets as token counts (instead of ratio)' })),
          param: Type.Optional(Type.Union([Type.String({ maxLength: 256 }), Type.Array(Type.String({ maxLength: 256 }), { maxItems: 64 })], { description: 'method.name=value, repeatable' })),
          prior: Type.Optional(Type.String({ maxLength: 256, description: 'a bundled sample holding a prior tensor' })),
          backend: Type.Optional(Type.String({ maxLength: 64, description: 'kernel backend: auto, cpu or webgpu' })),
        },
        { additionalProperties: false },
      ),
      response: { 200: loose('{"files","results":[{"method","budget","files","skipped","referentHit","referentShare","objectRecall","msPerFile",…}]}'), ...errorResponses(400, 413, 415, 422, 503) },
    },
    generate: {
      summary: "Generate about an image with the server's model (--model-dir), its visual tokens pruned; tokens streamed as server-sent events",
      description:
        'One generation at a time per model (503 OVERLOADED otherwise), within --generate-timeout-ms. The stream begins with the first token: errors before it (validation, image, prefill) are the usual status and error JSON; later ones an `error` event. 404 NOT_FOUND (field model-dir) on a server started without --model-dir.',
      body: { content: { 'application/json': { schema: generateBodySchema(names) } } },
      response: {
        200: mediaResponse(
          'text/event-stream',
          'server-sent events: `event: token` (GenerateToken) per token, then `event: done` (GenerateSummary), or `event: error` (Error); each `data:` is one JSON line (x-events)',
          Type.String({ description: 'a text/event-stream; the data of each event is x-events[event]', 'x-events': { token: GenerateTokenSchema, done: GenerateSummarySchema, error: ErrorSchema } }),
        ),
        ...errorResponses(400, 404, 413, 415, 422, 500, 503, 504),
      },
    },
    methods: { summary: 'Methods with inputs, parameters and defaults', response: { 200: Type.Array(loose('a method: name, aliases, description, inputs, params')) } },
    samples: { summary: 'Bundled sample scenes', response: { 200: Type.Array(loose('a sample')) } },
    sampleFile: {
      summary: 'A bundled sample (safetensors)',
      params: Type.Object({ file: Type.String({ maxLength: 256, description: 'NAME.safetensors' }) }),
      response: { 200: mediaResponse('application/octet-stream', 'the safetensors file', Type.String({ format: 'binary' })), ...errorResponses(404, 422) },
    },
    flops: {
      summary: 'Prefill cost before and after pruning (d2pruner flops --json)',
      querystring: Type.Object(
        {
          model: ADAPTER_QUERY.model,
          keep: Type.Integer({ minimum: 0, description: 'visual tokens kept' }),
          visual: Type.Optional(Type.Integer({ minimum: 0, maximum: MAX_COST_TOKENS, description: 'visual tokens before pruning (or give image)' })),
          image: Type.Optional(ADAPTER_QUERY.image),
          'max-tiles': Type.Optional(ADAPTER_QUERY['max-tiles']),
          maxTiles: Type.Optional(ADAPTER_QUERY.maxTiles),
          layer: Type.Optional(Type.Integer({ minimum: 0, description: 'layer where pruning happens' })),
          text: Type.Optional(Type.Integer({ minimum: 0, maximum: MAX_COST_TOKENS, description: 'other tokens in the prompt' })),
          formula: Type.Optional(Type.String({ enum: ['fastv', 'exact'], description: 'cost formula (default fastv)' })),
        },
        { additionalProperties: false },
      ),
      response: { 200: loose('cost report'), ...errorResponses(422) },
    },
    layout: {
      summary: 'The visual tokens an image becomes (d2pruner layout --json)',
      querystring: Type.Object({ model: ADAPTER_QUERY.model, image: ADAPTER_QUERY.image, 'max-tiles': Type.Optional(ADAPTER_QUERY['max-tiles']), maxTiles: Type.Optional(ADAPTER_QUERY.maxTiles) }, { additionalProperties: false }),
      response: { 200: loose('layout report'), ...errorResponses(422) },
    },
    healthz: { summary: 'Liveness, the backend in use (webgpu or cpu) and the adapter, the generation model (loaded, dir, generating)', response: { 200: loose('health'), ...errorResponses(503) } },
    metrics: { summary: 'Prometheus metrics (text exposition; prom-client, default process metrics included)', response: { 200: mediaResponse('text/plain; version=0.0.4', 'Prometheus text exposition format 0.0.4', Type.String()) } },
    openapi: { summary: 'This document (generated by @fastify/swagger from the route schemas)', response: { 200: loose('OpenAPI 3.1') } },
  } satisfies Record<string, RouteSchema>;
}

/**
 * Documentation-only request bodies, by route: streamed bodies that Fastify must not validate
 * as a whole (each NDJSON line is checked as it arrives). `@fastify/swagger`'s transform adds them.
 */
export const DOCUMENTED_BODIES: Readonly<Record<string, Record<string, { schema: TSchema }>>> = {
  '/v1/prune': { 'application/octet-stream': { schema: Type.String({ format: 'binary', description: 'a safetensors token file' }) } },
  '/v1/prune/batch': { 'application/x-ndjson': { schema: BatchLineSchema } },
  '/v1/eval': { 'application/x-ndjson': { schema: Type.Object({ input: Type.String({ description: 'a bundled sample name or a data: URL of a labelled safetensors file' }), name: Type.Optional(Type.String()) }) } },
};

/** A route schema with its documentation-only bodies added (the `@fastify/swagger` transform). */
export function documentedSchema(url: string, schema: RouteSchema): RouteSchema {
  const extra = DOCUMENTED_BODIES[url];
  if (!extra) return schema;
  const content = ((schema.body as { content?: object } | undefined)?.content ?? {}) as Record<string, unknown>;
  return { ...schema, body: { content: { ...extra, ...content } } };
}

/**
 * The request and response schemas under their names, for `components.schemas` of
 * `/openapi.json` (the same objects the routes use inline), so clients can generate types.
 */
export function namedSchemas(methodNames: readonly string[]): Record<string, object> {
  return {
    Error: ErrorSchema,
    Selection: SelectionSchema,
    JsonPruneRequest: jsonPruneBodySchema(methodNames),
    BatchLine: BatchLineSchema,
    BatchError: BatchErrorSchema,
    GenerateRequest: generateBodySchema(methodNames),
    GenerateToken: GenerateTokenSchema,
    GenerateSummary: GenerateSummarySchema,
  };
}

/** The schemas of {@link routeSchemas}. */
export type RouteSchemas = ReturnType<typeof routeSchemas>;
