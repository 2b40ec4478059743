import { isD2PrunerError, toErrorJson, type ErrorCode } from '@d2pruner/core';

/** Error codes of the HTTP layer, besides the library's own (`INVALID_INPUT`, `CORRUPT_FILE`, …). */
export type HttpOnlyCode = 'MALFORMED_BODY' | 'PAYLOAD_TOO_LARGE' | 'UNSUPPORTED_MEDIA_TYPE' | 'NOT_FOUND' | 'SLOW_UPLOAD' | 'OVERLOADED' | 'TIMEOUT' | 'SHUTTING_DOWN';

/** Every code an error response of the server can carry. */
export type ServerErrorCode = ErrorCode | HttpOnlyCode;

/** The body of every error response: `{"error":{"code","field","message"}}` (docs/formats.md §2). */
export interface ErrorBody {
  error: { code: ServerErrorCode; field: string; message: string };
}

/** HTTP status of each code: malformed → 400, too large → 413, invalid parameters → 422, … */
export const STATUS_OF: Readonly<Record<ServerErrorCode, number>> = {
  MALFORMED_BODY: 400,
  CORRUPT_FILE: 400,
  UNSUPPORTED_DTYPE: 400,
  NOT_FOUND: 404,
  SLOW_UPLOAD: 408,
  PAYLOAD_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
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

/** Fastify's own errors (body parser, limits, timeouts) by their `code`. */
const FASTIFY_CODES: Readonly<Record<string, [HttpOnlyCode, string]>> = {
  FST_ERR_CTP_BODY_TOO_LARGE: ['PAYLOAD_TOO_LARGE', 'body'],
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: ['MALFORMED_BODY', 'content-length'],
  FST_ERR_CTP_INVALID_MEDIA_TYPE: ['UNSUPPORTED_MEDIA_TYPE', 'content-type'],
  FST_ERR_CTP_EMPTY_JSON_BODY: ['MALFORMED_BODY', 'body'],
  FST_ERR_CTP_INVALID_JSON_BODY: ['MALFORMED_BODY', 'body'],
  FST_ERR_HANDLER_TIMEOUT: ['TIMEOUT', 'request'],
};

/**
 * Turns anything thrown while serving a request into a status, headers and the error body.
 * Library errors keep their code and field; fastify's parser errors become 400 / 413 / 415;
 * anything else is a 500 `INTERNAL` without a stack trace.
 */
export function errorResponse(e: unknown): { status: number; headers: Record<string, string>; body: ErrorBody } {
  if (e instanceof HttpError) {
    return { status: e.status, headers: { ...e.headers }, body: { error: { code: e.code, field: e.field, message: e.message } } };
  }
  if (isD2PrunerError(e)) return { status: STATUS_OF[e.code] ?? 500, headers: {}, body: { error: e.toJSON() } };
  const fst = (e as { code?: unknown } | null)?.code;
  if (typeof fst === 'string' && FASTIFY_CODES[fst]) {
    const [code, field] = FASTIFY_CODES[fst];
    return { status: STATUS_OF[code], headers: {}, body: { error: { code, field, message: (e as Error).message } } };
  }
  if (e instanceof SyntaxError || (e as { statusCode?: number } | null)?.statusCode === 400) {
    return { status: 400, headers: {}, body: { error: { code: 'MALFORMED_BODY', field: 'body', message: (e as Error).message } } };
  }
  const json = toErrorJson(e);
  return { status: 500, headers: {}, body: { error: { code: 'INTERNAL', field: json.field, message: json.message } } };
}

/** The HTTP status of an error JSON from the library (a batch line's error, for metrics). */
export function statusOfCode(code: string): number {
  return (STATUS_OF as Record<string, number>)[code] ?? 500;
}
