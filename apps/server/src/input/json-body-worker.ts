/**
 * The worker of {@link JsonBodyPool}: parses one large `POST /v1/prune` JSON body
 * ({@link PruneBodyParser}), `POST /v1/generate` body ({@link GenerateBodyParser}), line of
 * `POST /v1/prune/batch` (`parseBatchLine`) or line of `POST /v1/eval` (`parseEvalLine`) and
 * moves its tensors and image bytes back without copying, or returns its error as plain data. Its caps and method
 * names come in `workerData`. Importing it has no side effects.
 * @packageDocumentation
 */
import { workerData } from 'node:worker_threads';
import { isD2PrunerError } from '@d2pruner/core';
import { requestIdOf } from '@d2pruner/pipeline';
import { move, transferableSymbol, valueSymbol } from 'piscina';
import { HttpError } from '../http-error.js';
import { generateBodySchema, jsonPruneBodySchema } from '../schemas/bodies.js';
import { parseEvalLine } from './eval-line.js';
import { GenerateBodyParser } from './generate-body.js';
import { parseBatchLine } from './batch-line.js';
import type { InputCaps } from './caps.js';
import { BodyValidationError } from './checked-json.js';
import { textOfParts } from './line-segments.js';
import { PruneBodyParser } from './prune-body.js';
import type { BodyFailure, JsonAnswer, JsonTask } from './json-body-pool.js';

/** What the pool passes to each worker: the caps, and the method names of the body schema. */
export interface JsonBodyWorkerData {
  caps: InputCaps;
  methodNames: string[];
}

let parser: PruneBodyParser | undefined;
let generateParser: GenerateBodyParser | undefined;

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

const utf8 = (bytes: Uint8Array) => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8');

/** Parses one task: a prune or generate body (UTF-8 bytes), or a batch or eval line. */
export default function parseTask(task: JsonTask): JsonAnswer {
  const data = workerData as JsonBodyWorkerData;
  if (task.kind === 'line') {
    const text = textOfParts(task.parts);
    try {
      const request = parseBatchLine(text, data.caps);
      const input = request.input;
      return moved({ request }, buffersOf(ArrayBuffer.isView(input) ? [input] : typeof input === 'object' ? Object.values(input) : []));
    } catch (e) {
      // the error line names the request's id, which only this thread has the text to find
      const id = requestIdOf(text);
      return id === undefined ? { failed: failure(e) } : { failed: failure(e), id };
    }
  }
  try {
    if (task.kind === 'eval') {
      const evalLine = parseEvalLine(textOfParts(task.parts), data.caps, task.fallbackName);
      return moved({ evalLine }, 'bytes' in evalLine ? buffersOf([evalLine.bytes]) : []);
    }
    if (task.kind === 'generate') {
      generateParser ??= new GenerateBodyParser(data.caps, generateBodySchema(data.methodNames));
      const { imageError, ...generate } = generateParser.parse(utf8(task.bytes), task.maxPromptChars);
      if (imageError !== undefined) return { generate, imageFailed: failure(imageError) };
      return moved({ generate }, generate.image ? buffersOf([generate.image.bytes]) : []);
    }
    parser ??= new PruneBodyParser(data.caps, jsonPruneBodySchema(data.methodNames));
    const { bytes } = task;
    const ok = parser.parse(utf8(bytes));
    return moved({ ok }, buffersOf(Object.values(ok.input)));
  } catch (e) {
    return { failed: failure(e) };
  }
}
