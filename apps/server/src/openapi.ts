import type { Method, ParamSpec } from '@d2pruner/core';
import { STATUS_OF } from './http-error.js';
import { DEFAULT_MAX_NEW_TOKENS, MAX_NEW_TOKENS_LIMIT } from './input/generate-request.js';

type Schema = Record<string, unknown>;

function paramSchema(p: ParamSpec): Schema {
  const s: Schema = { type: p.type === 'integer' ? 'integer' : p.type, description: p.description };
  if (p.default !== undefined && p.default !== null) s.default = p.default;
  if (p.enum) s.enum = [...p.enum];
  if (p.min !== undefined) s.minimum = p.min;
  if (p.max !== undefined) s.maximum = p.max;
  if (p.defaultNote) s['x-default'] = p.defaultNote;
  return s;
}

const ref = (name: string): Schema => ({ $ref: `#/components/schemas/${name}` });

function errorResponses(...statuses: number[]): Record<string, Schema> {
  const out: Record<string, Schema> = {};
  for (const status of statuses) {
    const codes = Object.entries(STATUS_OF)
      .filter(([, s]) => s === status)
      .map(([c]) => c);
    out[String(status)] = {
      description: `error: ${codes.join(', ')}`,
      ...(status === 503 ? { headers: { 'Retry-After': { schema: { type: 'integer' }, description: 'seconds (OVERLOADED, SHUTTING_DOWN)' } } } : {}),
      content: { 'application/json': { schema: ref('Error') } },
    };
  }
  return out;
}

const q = (name: string, schema: Schema, description: string, required = false): Schema => ({ name, in: 'query', required, schema, description });

/**
 * The OpenAPI 3.1 document of the server, with one parameter schema per registered method
 * (`components.schemas.params.<method>`), so user-registered methods appear too.
 */
export function openApiDocument(methods: readonly Method[], version: string): Schema {
  const methodNames = methods.map((m) => m.name);
  const paramSchemas: Record<string, Schema> = {};
  for (const m of methods) {
    paramSchemas[`params.${m.name}`] = {
      type: 'object',
      description: `${m.name}: ${m.description}. In the query string give each as ?name=value (camelCase or kebab-case).`,
      additionalProperties: false,
      properties: Object.fromEntries(m.params.map((p) => [p.name, paramSchema(p)])),
    };
  }
  const matrix: Schema = {
    oneOf: [
      { type: 'array', items: { type: 'array', items: { type: 'number' } }, description: 'rows' },
      { type: 'object', required: ['rows', 'cols', 'data'], properties: { rows: { type: 'integer' }, cols: { type: 'integer' }, data: { type: 'array', items: { type: 'number' } } } },
    ],
  };
  const vector: Schema = { oneOf: [{ type: 'array', items: { type: 'number' } }, { type: 'array', items: { type: 'array', items: { type: 'number' } }, description: '[H][N], averaged over heads' }] };
  const pruneQuery = [
    q('method', { type: 'string', enum: methodNames, default: 'd2pruner' }, 'pruning method (or an alias)'),
    q('keep', { type: 'integer', minimum: 0 }, 'tokens to keep (give keep or ratio)'),
    q('ratio', { type: 'number', minimum: 0, maximum: 1 }, 'fraction of N to keep'),
    q('backend', { type: 'string', enum: ['auto', 'cpu', 'webgpu'] }, "kernel backend (default: the server's, see /healthz)"),
    q('grid', { type: 'string', pattern: '^\\d+x\\d+$' }, 'layout RxC for an input that carries none'),
    q('sample', { type: 'string' }, 'prune a bundled sample (GET /v1/samples) instead of a body'),
    {
      name: 'params',
      in: 'query',
      style: 'form',
      explode: true,
      schema: { type: 'object', additionalProperties: { type: 'string' } },
      description: 'method parameters by name, e.g. alpha=0.5&pivotRatio=0.7 (see components.schemas.params.*)',
    },
  ];
  return {
    openapi: '3.1.0',
    info: {
      title: 'd2pruner server',
      version,
      description: 'Visual-token pruning over HTTP: D2Pruner (arXiv 2512.19443) and baselines. Errors are {"error":{"code","field","message"}}.',
    },
    paths: {
      '/v1/prune': {
        post: {
          summary: 'Prune one input',
          parameters: pruneQuery,
          requestBody: {
            required: false,
            content: {
              'application/octet-stream': { schema: { type: 'string', format: 'binary' }, description: 'a safetensors token file (docs/formats.md §1)' },
              'application/json': { schema: ref('JsonPruneRequest') },
            },
          },
          responses: { '200': { description: 'the selection', content: { 'application/json': { schema: ref('Selection') } } }, ...errorResponses(400, 413, 415, 422, 500, 503, 504) },
        },
      },
      '/v1/prune/batch': {
        post: {
          summary: 'Prune many inputs: NDJSON in, NDJSON out (streamed, in order)',
          parameters: [q('method', { type: 'string' }, 'method for lines that name none'), q('backend', { type: 'string', enum: ['auto', 'cpu', 'webgpu'] }, 'backend for lines that name none')],
          requestBody: { required: true, content: { 'application/x-ndjson': { schema: ref('BatchLine') } } },
          responses: {
            '200': { description: 'one line per request: a Selection (with "id" when given) or {"error":…,"line":K}', content: { 'application/x-ndjson': { schema: { oneOf: [ref('Selection'), ref('BatchError')] } } } },
            ...errorResponses(415, 422, 503),
          },
        },
      },
      '/v1/eval': {
        post: {
          summary: 'Evaluate methods on labelled inputs (docs/eval.md): NDJSON in, the d2pruner eval --json object out',
          parameters: [
            q('methods', { type: 'string' }, 'comma-separated methods (default d2pruner,fastv,divprune)'),
            q('ratio', { type: 'string' }, 'comma-separated budgets as fractions of N (default 0.1)'),
            q('keep', { type: 'string' }, 'comma-separated budgets as token counts (instead of ratio)'),
            q('param', { type: 'string' }, 'method.name=value, repeatable'),
            q('prior', { type: 'string' }, 'a bundled sample holding a prior tensor'),
            q('backend', { type: 'string', enum: ['auto', 'cpu', 'webgpu'] }, 'kernel backend'),
          ],
          requestBody: {
            required: true,
            content: { 'application/x-ndjson': { schema: { type: 'object', required: ['input'], properties: { input: { type: 'string', description: 'a bundled sample name or a data: URL of a labelled safetensors file' }, name: { type: 'string' } } } } },
          },
          responses: { '200': { description: '{"files","results":[{"method","budget","files","skipped","referentHit","referentShare","objectRecall","msPerFile",…}]}', content: { 'application/json': { schema: { type: 'object' } } } }, ...errorResponses(415, 422, 503) },
        },
      },
      '/v1/generate': {
        post: {
          summary: 'Generate about an image with the server\'s model (--model-dir), its visual tokens pruned; tokens streamed as server-sent events',
          description:
            'One generation at a time per model (503 OVERLOADED otherwise), within --generate-timeout-ms. The stream begins with the first token: errors before it (validation, image, prefill) are the usual status and error JSON; later ones an `error` event. 404 NOT_FOUND (field model-dir) on a server started without --model-dir.',
          requestBody: { required: true, content: { 'application/json': { schema: ref('GenerateRequest') } } },
          responses: {
            '200': {
              description:
                'text/event-stream: `event: token` per generated token (data: GenerateToken), then `event: done` (data: GenerateSummary), or `event: error` (data: Error) when generation fails after the stream began (e.g. TIMEOUT)',
              content: { 'text/event-stream': { schema: { type: 'string' }, 'x-events': { token: ref('GenerateToken'), done: ref('GenerateSummary'), error: ref('Error') } } },
            },
            ...errorResponses(400, 404, 413, 415, 422, 500, 503, 504),
          },
        },
      },
      '/v1/methods': { get: { summary: 'Methods with inputs, parameters and defaults', responses: { '200': { description: 'list', content: { 'application/json': { schema: { type: 'array', items: { type: 'object' } } } } } } } },
      '/v1/samples': { get: { summary: 'Bundled sample scenes', responses: { '200': { description: 'list', content: { 'application/json': { schema: { type: 'array', items: { type: 'object' } } } } } } } },
      '/samples/{file}': {
        get: {
          summary: 'A bundled sample (safetensors)',
          parameters: [{ name: 'file', in: 'path', required: true, schema: { type: 'string' }, description: 'NAME.safetensors' }],
          responses: { '200': { description: 'the file', content: { 'application/octet-stream': { schema: { type: 'string', format: 'binary' } } } }, ...errorResponses(422) },
        },
      },
      '/v1/flops': {
        get: {
          summary: 'Prefill cost before and after pruning (d2pruner flops --json)',
          parameters: [
            q('model', { type: 'string' }, 'adapter id, e.g. llava-1.5-7b', true),
            q('keep', { type: 'integer' }, 'visual tokens kept', true),
            q('visual', { type: 'integer' }, 'visual tokens before pruning (or give image)'),
            q('image', { type: 'string', pattern: '^\\d+x\\d+$' }, 'image size WxH'),
            q('max-tiles', { type: 'integer' }, 'InternVL / LLaVA-NeXT tiling limit'),
            q('layer', { type: 'integer' }, 'layer where pruning happens'),
            q('text', { type: 'integer' }, 'other tokens in the prompt'),
            q('formula', { type: 'string', enum: ['fastv', 'exact'] }, 'cost formula'),
          ],
          responses: { '200': { description: 'cost report', content: { 'application/json': { schema: { type: 'object' } } } }, ...errorResponses(422) },
        },
      },
      '/v1/layout': {
        get: {
          summary: 'The visual tokens an image becomes (d2pruner layout --json)',
          parameters: [q('model', { type: 'string' }, 'adapter id', true), q('image', { type: 'string' }, 'WxH', true), q('max-tiles', { type: 'integer' }, 'tiling limit')],
          responses: { '200': { description: 'layout report', content: { 'application/json': { schema: { type: 'object' } } } }, ...errorResponses(422) },
        },
      },
      '/healthz': { get: { summary: 'Liveness, the backend in use (webgpu or cpu) and the adapter, the generation model (loaded, dir, generating)', responses: { '200': { description: 'ok', content: { 'application/json': { schema: { type: 'object' } } } }, ...errorResponses(503) } } },
      '/metrics': { get: { summary: 'Prometheus metrics (text format 0.0.4)', responses: { '200': { description: 'metrics', content: { 'text/plain': { schema: { type: 'string' } } } } } } },
      '/openapi.json': { get: { summary: 'This document', responses: { '200': { description: 'OpenAPI 3.1', content: { 'application/json': { schema: { type: 'object' } } } } } } },
    },
    components: {
      schemas: {
        Error: {
          type: 'object',
          required: ['error'],
          properties: { error: { type: 'object', required: ['code', 'field', 'message'], properties: { code: { type: 'string', enum: Object.keys(STATUS_OF) }, field: { type: 'string' }, message: { type: 'string' } } } },
        },
        BatchError: { allOf: [ref('Error'), { type: 'object', properties: { line: { type: 'integer' }, id: { type: ['string', 'number'] } } }] },
        Selection: {
          type: 'object',
          required: ['method', 'n', 'budget', 'keep', 'backend', 'timings'],
          properties: {
            method: { type: 'string' },
            n: { type: 'integer' },
            budget: { type: 'integer' },
            keep: { type: 'array', items: { type: 'integer' }, description: 'sorted' },
            pivots: { type: 'array', items: { type: 'integer' } },
            picks: { type: 'array', items: { type: 'integer' }, description: 'in pick order' },
            rounds: { type: 'integer' },
            backend: { type: 'string' },
            timings: { type: 'object', additionalProperties: { type: 'number' } },
          },
        },
        TokenInput: {
          type: 'object',
          properties: {
            features: matrix,
            attention: vector,
            prior: { type: 'array', items: { type: 'number' } },
            clsAttention: vector,
            keys: matrix,
            textFeatures: matrix,
            textKeys: matrix,
            imageEmbeds: matrix,
            textEmbeds: matrix,
            layout: { type: 'object', description: 'the d2pruner.layout JSON: {frames,frame,row,col}' },
            model: { type: 'string' },
          },
        },
        JsonPruneRequest: {
          allOf: [
            ref('TokenInput'),
            {
              type: 'object',
              properties: {
                method: { type: 'string' },
                keep: { type: 'integer' },
                ratio: { type: 'number' },
                params: { type: 'object' },
                backend: { type: 'string' },
                grid: { type: 'string' },
                sample: { type: 'string' },
              },
            },
          ],
        },
        BatchLine: {
          type: 'object',
          required: ['input'],
          properties: {
            id: { type: ['string', 'number'] },
            input: { oneOf: [{ type: 'string', description: 'a sample name, or data:application/octet-stream;base64,… (safetensors)' }, ref('TokenInput')] },
            method: { type: 'string' },
            keep: { type: 'integer' },
            ratio: { type: 'number' },
            params: { type: 'object' },
            backend: { type: 'string' },
            grid: { type: 'string' },
          },
        },
        GenerateRequest: {
          type: 'object',
          required: ['prompt', 'image'],
          additionalProperties: false,
          properties: {
            prompt: { type: 'string', description: 'the question; wrapped as "USER: <image>\\n{prompt} ASSISTANT:" unless it holds the image placeholder (at most once)' },
            image: { type: 'string', description: 'a PNG or JPEG: base64, or a data: URL (data:image/png;base64,…); at most 4096² pixels' },
            method: { type: 'string', enum: methodNames, default: 'd2pruner' },
            keep: { type: 'integer', minimum: 1, description: 'visual tokens to keep per image (give keep, ratio or noPrune)' },
            ratio: { type: 'number', exclusiveMinimum: 0, maximum: 1, description: 'fraction of the visual tokens to keep' },
            params: { type: 'object', description: 'method parameters (components.schemas.params.<method>)' },
            noPrune: { type: 'boolean', default: false, description: 'run every visual token (not with method, keep, ratio or params)' },
            maxNewTokens: { type: 'integer', minimum: 1, maximum: MAX_NEW_TOKENS_LIMIT, default: DEFAULT_MAX_NEW_TOKENS, description: 'greedy decoding' },
            importance: { type: 'string', enum: ['relevance', 'cls'], default: 'relevance', description: 'pivot importance: text–image relevance or the vision encoder CLS attention' },
            layout: { type: 'string', enum: ['adapter', 'grid'], default: 'adapter', description: 'token layout: the llava-1.5 adapter, or a square grid' },
          },
        },
        GenerateToken: {
          type: 'object',
          required: ['index', 'id', 'text'],
          properties: { index: { type: 'integer', description: '0, 1, …' }, id: { type: 'integer', description: 'token id' }, text: { type: 'string', description: 'the token decoded alone (special tokens: "")' } },
        },
        GenerateSummary: {
          type: 'object',
          description: 'the fields of `d2pruner generate --json`',
          required: ['visualTokens', 'prefillTokens', 'prefillMs', 'pruneMs', 'text', 'tokenIds'],
          properties: {
            visualTokens: { type: 'object', required: ['before', 'after'], properties: { before: { type: 'integer' }, after: { type: 'integer' } } },
            prefillTokens: { type: 'integer', description: 'sequence length the LLM prefilled' },
            prefillMs: { type: 'number' },
            pruneMs: { type: 'number', description: 'importance + selection + gathering (0 without pruning)' },
            text: { type: 'string' },
            tokenIds: { type: 'array', items: { type: 'integer' } },
          },
        },
        ...paramSchemas,
      },
    },
  };
}
