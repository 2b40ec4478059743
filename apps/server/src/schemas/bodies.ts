import { MATRIX_TENSORS, TENSOR_NAMES } from '@d2pruner/core';
import { Type, type TSchema } from 'typebox';
import { STATUS_OF } from '../http-error.js';
import { DEFAULT_MAX_NEW_TOKENS, MAX_NEW_TOKENS_LIMIT } from '../input/generate-request.js';

/** `{"error":{"code","field","message"}}`: the body of every error response and failed batch line. */
export const ErrorSchema = Type.Object(
  {
    error: Type.Object({
      code: Type.String({ enum: Object.keys(STATUS_OF) }),
      field: Type.String({ description: 'the header, parameter, tensor or body part at fault' }),
      message: Type.String({ description: 'explanation; quotes at most ~200 characters of a bad value' }),
    }),
  },
  { description: 'an error' },
);

/** A failed line of a batch: the error, the 1-based line number and the request's `id` when it had one. */
export const BatchErrorSchema = Type.Object({ ...ErrorSchema.properties, line: Type.Integer(), id: Type.Optional(Type.Union([Type.String(), Type.Number()])) });

/** The selection JSON (docs/formats.md §2). */
export const SelectionSchema = Type.Object(
  {
    method: Type.String(),
    n: Type.Integer(),
    budget: Type.Integer(),
    keep: Type.Array(Type.Integer(), { description: 'sorted' }),
    pivots: Type.Optional(Type.Array(Type.Integer())),
    picks: Type.Optional(Type.Array(Type.Integer(), { description: 'in pick order' })),
    rounds: Type.Optional(Type.Integer()),
    backend: Type.String(),
    timings: Type.Record(Type.String(), Type.Number()),
  },
  { additionalProperties: true },
);

const MatrixSchema = Type.Union([
  Type.Array(Type.Array(Type.Number()), { description: 'rows' }),
  Type.Object({ rows: Type.Integer({ minimum: 0 }), cols: Type.Integer({ minimum: 0 }), data: Type.Array(Type.Number()) }, { additionalProperties: false, description: 'row-major' }),
]);
const VectorSchema = Type.Union([Type.Array(Type.Number()), Type.Array(Type.Array(Type.Number()), { description: '[H][N], averaged over heads' })]);

/** The tensors of a JSON input by name (docs/formats.md §1), `layout` and `model`. */
export function tokenInputProperties(): Record<string, TSchema> {
  const out: Record<string, TSchema> = {};
  for (const name of TENSOR_NAMES) out[name] = Type.Optional(MATRIX_TENSORS.has(name) ? MatrixSchema : VectorSchema);
  out.layout = Type.Optional(Type.Union([Type.Object({}, { additionalProperties: true, description: 'the d2pruner.layout JSON: {frames,frame,row,col}' }), Type.String({ description: 'its JSON text' })]));
  out.model = Type.Optional(Type.String({ description: 'adapter id' }));
  return out;
}

/** Request fields of `POST /v1/prune` besides the tensors (query and JSON body alike). */
export function pruneFieldProperties(methodNames: readonly string[] = []) {
  return {
    method: Type.Optional(Type.String({ maxLength: 128, description: `pruning method or alias (default d2pruner)${methodNames.length ? `: ${methodNames.join(', ')}` : ''}` })),
    keep: Type.Optional(Type.Integer({ minimum: 0, description: 'tokens to keep (give keep or ratio)' })),
    ratio: Type.Optional(Type.Number({ minimum: 0, maximum: 1, description: 'fraction of N to keep' })),
    backend: Type.Optional(Type.String({ maxLength: 64, description: "kernel backend: auto, cpu or webgpu (default: the server's, see /healthz)" })),
    grid: Type.Optional(Type.String({ pattern: '^\\s*\\d+[xX×]\\d+\\s*$', maxLength: 32, description: 'layout RxC for an input that carries none (at most --max-tokens cells)' })),
    sample: Type.Optional(Type.String({ maxLength: 256, description: 'prune a bundled sample (GET /v1/samples) instead of a body' })),
  };
}

/** The JSON body of `POST /v1/prune`: a token input plus the request fields and `params`. */
export function jsonPruneBodySchema(methodNames: readonly string[]): TSchema {
  return Type.Object(
    {
      ...tokenInputProperties(),
      ...pruneFieldProperties(methodNames),
      params: Type.Optional(Type.Object({}, { additionalProperties: true, description: 'method parameters (components.schemas.params.<method>)' })),
    },
    { additionalProperties: false },
  );
}

const { method, keep, ratio, backend, grid } = pruneFieldProperties();

/**
 * One line of `POST /v1/prune/batch`: the request fields of `POST /v1/prune` (but `sample`),
 * `id`, and `input` — a sample name, a `data:` URL of a safetensors file, or an inline token
 * input. Each line is checked against it as it arrives (`parseBatchLine`) and `/openapi.json`
 * documents it.
 */
export const BatchLineSchema = Type.Object(
  {
    id: Type.Optional(Type.Union([Type.String({ maxLength: 256 }), Type.Number()], { description: 'echoed in the result line' })),
    input: Type.Union([
      Type.String({ minLength: 1, description: 'a sample name, or data:application/octet-stream;base64,… (safetensors)' }),
      Type.Object(tokenInputProperties(), { additionalProperties: false }),
    ]),
    method,
    keep,
    ratio,
    params: Type.Optional(Type.Object({}, { additionalProperties: true, description: 'method parameters (components.schemas.params.<method>)' })),
    backend,
    grid,
  },
  { additionalProperties: false },
);

/** The JSON body of `POST /v1/generate`. */
export function generateBodySchema(methodNames: readonly string[]): TSchema {
  return Type.Object(
    {
      prompt: Type.String({ minLength: 1, description: 'the question; wrapped as "USER: <image>\\n{prompt} ASSISTANT:" unless it holds the image placeholder (at most once)' }),
      image: Type.String({ minLength: 1, description: 'a PNG or JPEG: base64, or a data: URL (data:image/png;base64,…); at most 4096² pixels' }),
      method: Type.Optional(Type.String({ description: `pruning method (default d2pruner): ${methodNames.join(', ')}` })),
      keep: Type.Optional(Type.Integer({ minimum: 1, description: 'visual tokens to keep per image (give keep, ratio or noPrune)' })),
      ratio: Type.Optional(Type.Number({ exclusiveMinimum: 0, maximum: 1, description: 'fraction of the visual tokens to keep' })),
      params: Type.Optional(Type.Object({}, { additionalProperties: true, description: 'method parameters (components.schemas.params.<method>)' })),
      noPrune: Type.Optional(Type.Boolean({ default: false, description: 'run every visual token (not with method, keep, ratio or params)' })),
      maxNewTokens: Type.Optional(Type.Integer({ minimum: 1, maximum: MAX_NEW_TOKENS_LIMIT, default: DEFAULT_MAX_NEW_TOKENS, description: 'greedy decoding' })),
      importance: Type.Optional(Type.String({ enum: ['relevance', 'cls'], default: 'relevance', description: 'pivot importance: text–image relevance or the vision encoder CLS attention' })),
      layout: Type.Optional(Type.String({ enum: ['adapter', 'grid'], default: 'adapter', description: 'token layout: the llava-1.5 adapter, or a square grid' })),
    },
    { additionalProperties: true, description: 'kebab-case keys (no-prune, max-new-tokens) are accepted too' },
  );
}

/** The `done` event of `POST /v1/generate` (the fields of `d2pruner generate --json`). */
export const GenerateSummarySchema = Type.Object(
  {
    visualTokens: Type.Object({ before: Type.Integer(), after: Type.Integer() }),
    prefillTokens: Type.Integer({ description: 'sequence length the LLM prefilled' }),
    prefillMs: Type.Number(),
    pruneMs: Type.Number({ description: 'importance + selection + gathering (0 without pruning)' }),
    text: Type.String(),
    tokenIds: Type.Array(Type.Integer()),
  },
  { additionalProperties: true },
);

/** A `token` event of `POST /v1/generate`. */
export const GenerateTokenSchema = Type.Object({ index: Type.Integer({ description: '0, 1, …' }), id: Type.Integer({ description: 'token id' }), text: Type.String({ description: 'the token decoded alone (special tokens: "")' }) });
