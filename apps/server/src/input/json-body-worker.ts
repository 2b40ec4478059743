/**
 * The worker of {@link JsonBodyPool}: parses one large `POST /v1/prune` JSON body
 * ({@link PruneBodyParser}) or one large line of `POST /v1/prune/batch` (`parseBatchLine`) and
 * moves its tensors back without copying, or returns its error as plain data. Its caps and method
 * names come in `workerData`. Importing it has no side effects.
 * @packageDocumentation
 */
import { workerData } from 'node:worker_threads';
import { isD2PrunerError } from '@d2pruner/core';
import { move, transferableSymbol, valueSymbol } from 'piscina';
import { HttpError } from '../http-error.js';
import { jsonPruneBodySchema } from '../schemas/bodies.js';
import type { PruneRequest } from '@d2pruner/pipeline';
import { parseBatchLine } from './batch-line.js';
import type { InputCaps } from './caps.js';
import { BodyValidationError, PruneBodyParser, type ParsedPruneBody } from './prune-body.js';
import type { BodyFailure, JsonTask } from './json-body-pool.js';

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

/** The buffers of the typed arrays of a parsed input or request (they move to the caller). */
function buffersOf(values: readonly unknown[]): ArrayBuffer[] {
  const out = new Set<ArrayBuffer>();
  for (const v of values) {
    const data: unknown = ArrayBuffer.isView(v) ? v : (v as { data?: unknown } | undefined)?.data;
    if (ArrayBuffer.isView(data) && data.buffer instanceof ArrayBuffer && data.byteOffset === 0 && data.byteLength === data.buffer.byteLength) out.add(data.buffer);
  }
  return [...out];
}

/** `value` handed to piscina so that the buffers in `transfer` move instead of being copied. */
function moved<T>(value: T, transfer: ArrayBuffer[]): T {
  const wrapped = { [transferableSymbol]: transfer, [valueSymbol]: value };
  return move(wrapped as unknown as Parameters<typeof move>[0]) as unknown as T;
}

/** Parses one task: a body (UTF-8 bytes) or a batch line. */
export default function parseTask(task: JsonTask): { ok: ParsedPruneBody } | { request: PruneRequest } | { failed: BodyFailure } {
  const data = workerData as JsonBodyWorkerData;
  try {
    if (task.kind === 'line') {
      const request = parseBatchLine(task.text, data.caps);
      const input = request.input;
      return moved({ request }, buffersOf(ArrayBuffer.isView(input) ? [input] : typeof input === 'object' ? Object.values(input) : []));
    }
    parser ??= new PruneBodyParser(data.caps, jsonPruneBodySchema(data.methodNames));
    const { bytes } = task;
    const ok = parser.parse(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8'));
    return moved({ ok }, buffersOf(Object.values(ok.input)));
  } catch (e) {
    return { failed: failure(e) };
  }
}
