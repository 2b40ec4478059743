/**
 * The worker of {@link JsonBodyPool}: parses one large `POST /v1/prune` JSON body
 * ({@link PruneBodyParser}) and moves its tensors back without copying, or returns its error as
 * plain data. Its caps and method names come in `workerData`. Importing it has no side effects.
 * @packageDocumentation
 */
import { workerData } from 'node:worker_threads';
import { isD2PrunerError } from '@d2pruner/core';
import { move, transferableSymbol, valueSymbol } from 'piscina';
import { HttpError } from '../http-error.js';
import { jsonPruneBodySchema } from '../schemas/bodies.js';
import type { InputCaps } from './caps.js';
import { BodyValidationError, PruneBodyParser, type ParsedPruneBody } from './prune-body.js';
import type { BodyFailure } from './json-body-pool.js';

/** What the pool passes to each worker: the caps, and the method names of the body schema. */
export interface JsonBodyWorkerData {
  caps: InputCaps;
  methodNames: string[];
}

let parser: PruneBodyParser | undefined;

/** The error of a failed parse as data the pool turns back into the same error. */
function failure(e: unknown): BodyFailure {
  if (e instanceof HttpError) return { kind: 'http', code: e.code, field: e.field, message: e.message };
  if (isD2PrunerError(e)) return { kind: 'library', code: e.code, field: e.field, message: e.message };
  if (e instanceof BodyValidationError) return { kind: 'validation', validation: e.validation };
  if (e instanceof SyntaxError) return { kind: 'syntax', message: e.message };
  throw e;
}

/** The typed arrays of a parsed input (their buffers move to the caller). */
function buffersOf(input: ParsedPruneBody['input']): ArrayBuffer[] {
  const out = new Set<ArrayBuffer>();
  for (const v of Object.values(input)) {
    const data: unknown = ArrayBuffer.isView(v) ? v : (v as { data?: unknown } | undefined)?.data;
    if (ArrayBuffer.isView(data) && data.buffer instanceof ArrayBuffer) out.add(data.buffer);
  }
  return [...out];
}

/** Parses the body in `bytes` (UTF-8). */
export default function parseBody(bytes: Uint8Array): { ok: ParsedPruneBody } | { failed: BodyFailure } {
  const data = workerData as JsonBodyWorkerData;
  parser ??= new PruneBodyParser(data.caps, jsonPruneBodySchema(data.methodNames));
  let ok: ParsedPruneBody;
  try {
    ok = parser.parse(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8'));
  } catch (e) {
    return { failed: failure(e) };
  }
  const wrapped = { [transferableSymbol]: buffersOf(ok.input), [valueSymbol]: { ok } };
  return move(wrapped as unknown as Parameters<typeof move>[0]) as unknown as { ok: ParsedPruneBody };
}
