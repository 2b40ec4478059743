import { MAX_QUOTED_CHARS, isD2PrunerError, toErrorJson, type ErrorCode } from '@d2pruner/core';

/** Error codes of the HTTP layer, besides the library's own (`INVALID_INPUT`, `CORRUPT_FILE`, …). */
export type HttpOnlyCode =
  | 'MALFORMED_BODY'
  | 'MALFORMED_REQUEST'
  | 'PAYLOAD_TOO_LARGE'
  | 'HEADERS_TOO_LARGE'
  | 'UNSUPPORTED_MEDIA_TYPE'
  | 'NOT_FOUND'
  | 'PRECONDITION_FAILED'
  | 'RANGE_NOT_SATISFIABLE'
  | 'SLOW_UPLOAD'
  | 'OVERLOADED'
  | 'TIMEOUT'
  | 'SHUTTING_DOWN';

/** Every code an error response of the server can carry. */
export type ServerErrorCode = ErrorCode | HttpOnlyCode;

/** The body of every error response: `{"error":{"code","field","message"}}` (docs/formats.md §2). */
export interface ErrorBody {
  error: { code: ServerErrorCode; field: string; message: string };
}

/** HTTP status of each code: malformed → 400, too large → 413, invalid parameters → 422, … */
export const STATUS_OF: Readonly<Record<ServerErrorCode, number>> = {
  MALFORMED_BODY: 400,
  MALFORMED_REQUEST: 400,
  CORRUPT_FILE: 400,
  UNSUPPORTED_DTYPE: 400,
  NOT_FOUND: 404,
  SLOW_UPLOAD: 408,
  PRECONDITION_FAILED: 412,
  PAYLOAD_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  RANGE_NOT_SATISFIABLE: 416,
  HEADERS_TOO_LARGE: 431,
  INVALID_INPUT: 422,
  INVALID_ARGUMENT: 422,
  MISSING_TENSOR: 422,
  SHAPE_MISMATCH: 422,
  UNKNOWN_NAME: 422,
  INTERNAL: 500,
  OVERLOADED: 503,
  SHUTTING_DOWN: 503,
  BACKEND_UNAVAILABLE: 503,
  DEVICE_LOST: 503,
  TIMEOUT: 504,
};

/** A typed error of the HTTP layer: a code, the offending field, and extra response headers. */
export class HttpError extends Error {
  /** What went wrong. */
  readonly code: HttpOnlyCode;
  /** The header, parameter, tensor or body part at fault. */
  readonly field: string;
  /** Headers to add to the response (e.g. `retry-after`). */
  readonly headers: Readonly<Record<string, string>>;

  /** @param code error code @param field offending field @param message explanation @param headers response headers */
  constructor(code: HttpOnlyCode, field: string, message: string, headers: Record<string, string> = {}) {
    super(message);
    this.name = 'HttpError';
    this.code = code;
    this.field = field;
    this.headers = headers;
  }

  /** HTTP status of this error. */
  get status(): number {
    return STATUS_OF[this.code];
  }
}

/** Fastify's own errors (body parser, limits, routing, timeouts) by their `code`. */
const FASTIFY_CODES: Readonly<Record<string, [HttpOnlyCode, string]>> = {
  FST_ERR_CTP_BODY_TOO_LARGE: ['PAYLOAD_TOO_LARGE', 'body'],
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: ['MALFORMED_BODY', 'content-length'],
  FST_ERR_CTP_INVALID_MEDIA_TYPE: ['UNSUPPORTED_MEDIA_TYPE', 'content-type'],
  FST_ERR_CTP_INVALID_TYPE: ['UNSUPPORTED_MEDIA_TYPE', 'content-type'],
  FST_ERR_CTP_EMPTY_TYPE: ['UNSUPPORTED_MEDIA_TYPE', 'content-type'],
  FST_ERR_CTP_EMPTY_JSON_BODY: ['MALFORMED_BODY', 'body'],
  FST_ERR_CTP_INVALID_JSON_BODY: ['MALFORMED_BODY', 'body'],
  FST_ERR_BAD_URL: ['MALFORMED_REQUEST', 'path'],
  FST_ERR_ASYNC_CONSTRAINT: ['MALFORMED_REQUEST', 'request'],
  FST_ERR_HANDLER_TIMEOUT: ['TIMEOUT', 'request'],
};

/** Status of other 4xx errors (a plugin's `statusCode`) → code and field. */
const BY_STATUS: Readonly<Record<number, [HttpOnlyCode, string]>> = {
  400: ['MALFORMED_REQUEST', 'request'],
  403: ['NOT_FOUND', 'path'],
  404: ['NOT_FOUND', 'path'],
  408: ['SLOW_UPLOAD', 'request'],
  412: ['PRECONDITION_FAILED', 'if-match'],
  413: ['PAYLOAD_TOO_LARGE', 'body'],
  415: ['UNSUPPORTED_MEDIA_TYPE', 'content-type'],
  416: ['RANGE_NOT_SATISFIABLE', 'range'],
  431: ['HEADERS_TOO_LARGE', 'headers'],
};

/** Headers a plugin's 4xx error may carry into the response (a 416's `Content-Range: bytes *\/SIZE`). */
const PASSED_HEADERS: ReadonlySet<string> = new Set(['content-range']);

/** The headers of a plugin's error that the response keeps (see {@link PASSED_HEADERS}). */
function passedHeaders(headers: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (typeof headers !== 'object' || headers === null) return out;
  for (const [k, v] of Object.entries(headers)) if (PASSED_HEADERS.has(k.toLowerCase()) && typeof v === 'string') out[k.toLowerCase()] = v;
  return out;
}

/**
 * The field of a 412: the conditional header that failed. `If-Match` is evaluated first (RFC 9110
 * §13.2.2), so it is the culprit when given; otherwise `If-Unmodified-Since`.
 */
function preconditionField(requestHeaders: Readonly<Record<string, unknown>> | undefined): string {
  return requestHeaders && requestHeaders['if-match'] === undefined && requestHeaders['if-unmodified-since'] !== undefined ? 'if-unmodified-since' : 'if-match';
}

/** Longest message an error response carries (a backstop: messages quote at most ~200 characters of a value). */
export const MAX_MESSAGE_CHARS = 4 * MAX_QUOTED_CHARS;

/** `text` cut to `max` characters (with an ellipsis). */
export function clipText(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max)}…`;
}

/** One error of Fastify's schema validation (TypeBox, in Ajv's error format). */
export interface AjvError {
  instancePath?: string;
  keyword?: string;
  message?: string;
  params?: Record<string, unknown>;
}

const RANGE_KEYWORDS: ReadonlySet<string> = new Set(['minimum', 'maximum', 'exclusiveMinimum', 'exclusiveMaximum', 'enum']);

/**
 * A Fastify validation error (`FST_ERR_VALIDATION`, TypeBox's errors) as a typed error: the field is the query
 * parameter or body key at fault (the most specific error: for a union, the branch that got deepest); unknown names and wrong types of a query are
 * `INVALID_ARGUMENT`, values out of range and bad bodies `INVALID_INPUT` (all 422).
 */
export function validationError(e: { validation: readonly AjvError[]; validationContext?: string }): ErrorBody['error'] {
  const depth = (x: AjvError) => (x.instancePath ?? '').split('/').length;
  const first = [...e.validation].sort((a, b) => depth(b) - depth(a))[0] ?? {};
  const where = e.validationContext === 'querystring' ? 'query parameter' : e.validationContext === 'params' ? 'path parameter' : 'field';
  const path = (first.instancePath ?? '')
    .split('/')
    .filter((p) => p !== '')
    .map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'));
  const unknownName = first.keyword === 'boolean' || first.keyword === 'additionalProperties';
  const listed = first.params?.additionalProperties ?? first.params?.additionalProperty ?? first.params?.requiredProperties ?? first.params?.missingProperty;
  const extra = Array.isArray(listed) ? String(listed[0]) : (listed as string | undefined);
  if (extra !== undefined) path.push(extra);
  const joined = path.map((p, i) => (/^\d+$/.test(p) ? `[${p}]` : i === 0 ? p : `.${p}`)).join('');
  const field = clipText(joined || (e.validationContext ?? 'body'), MAX_QUOTED_CHARS);
  let message: string;
  if (unknownName) message = `unknown ${where} '${field}' (see GET /openapi.json)`;
  else if (first.keyword === 'required') message = `${where} '${field}' is required`;
  else message = `${where} '${field}' ${first.message ?? 'is invalid'}`;
  const query = e.validationContext === 'querystring' || e.validationContext === 'params';
  const code: ErrorCode = RANGE_KEYWORDS.has(first.keyword ?? '') || !query ? 'INVALID_INPUT' : 'INVALID_ARGUMENT';
  return { code, field, message };
}

function shaped(status: number, error: ErrorBody['error'], headers: Record<string, string> = {}): { status: number; headers: Record<string, string>; body: ErrorBody } {
  return { status, headers, body: { error: { code: error.code, field: clipText(error.field, MAX_QUOTED_CHARS), message: clipText(error.message, MAX_MESSAGE_CHARS) } } };
}

/**
 * Turns anything thrown while serving a request into a status, headers and the error body.
 * Library errors keep their code and field; Fastify's validation, parser and routing errors and
 * any plugin's 4xx become typed 4xx errors; anything else is a 500 `INTERNAL` without a stack
 * trace. Fields and messages are clipped, so no response echoes a large bad value. A static
 * file's failed range or precondition keeps its status (416 `RANGE_NOT_SATISFIABLE` with its
 * `Content-Range`, 412 `PRECONDITION_FAILED` naming the conditional header, from `requestHeaders`).
 */
export function errorResponse(e: unknown, requestHeaders?: Readonly<Record<string, unknown>>): { status: number; headers: Record<string, string>; body: ErrorBody } {
  const v = e as { validation?: AjvError[]; validationContext?: string } | null;
  if (v?.validationContext === 'body' && v.validation?.[0]?.instancePath === '' && v.validation[0].keyword === 'type') {
    return shaped(400, { code: 'MALFORMED_BODY', field: 'body', message: 'the JSON body must be an object' });
  }
  if (e instanceof HttpError) return shaped(e.status, { code: e.code, field: e.field, message: e.message }, { ...e.headers });
  if (isD2PrunerError(e)) return shaped(STATUS_OF[e.code] ?? 500, e.toJSON());
  const err = (e ?? {}) as { code?: unknown; statusCode?: unknown; message?: unknown; validation?: unknown; validationContext?: string; headers?: unknown };
  if (Array.isArray(err.validation)) return shaped(422, validationError(err as { validation: AjvError[]; validationContext?: string }));
  const message = typeof err.message === 'string' ? err.message : String(e);
  if (typeof err.code === 'string' && FASTIFY_CODES[err.code]) {
    const [code, field] = FASTIFY_CODES[err.code];
    return shaped(STATUS_OF[code], { code, field, message });
  }
  if (e instanceof SyntaxError) return shaped(400, { code: 'MALFORMED_BODY', field: 'body', message });
  const status = typeof err.statusCode === 'number' ? err.statusCode : 500;
  if (status >= 400 && status < 500) {
    const [code, byStatus] = BY_STATUS[status] ?? ['MALFORMED_REQUEST', 'request'];
    const field = code === 'PRECONDITION_FAILED' ? preconditionField(requestHeaders) : byStatus;
    const headers = passedHeaders(err.headers);
    const text =
      code === 'NOT_FOUND'
        ? 'not found'
        : code === 'RANGE_NOT_SATISFIABLE'
          ? `the requested range lies outside the file${headers['content-range'] ? ` (content-range: ${headers['content-range']})` : ''}`
          : code === 'PRECONDITION_FAILED'
            ? `precondition failed: the file does not satisfy ${field}`
            : message;
    return shaped(STATUS_OF[code], { code, field, message: text }, headers);
  }
  const json = toErrorJson(e);
  return shaped(500, { code: 'INTERNAL', field: json.field, message: json.message });
}

/** The HTTP status of an error JSON from the library (a batch line's error, for metrics). */
export function statusOfCode(code: string): number {
  return (STATUS_OF as Record<string, number>)[code] ?? 500;
}
