import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { D2PrunerError, type ErrorCode } from '@d2pruner/core';
import type { PruneRequest } from '@d2pruner/pipeline';
import { Piscina } from 'piscina';
import { HttpError, type AjvError, type HttpOnlyCode } from '../http-error.js';
import type { InputCaps } from './caps.js';
import type { JsonBodyWorkerData } from './json-body-worker.js';
import { BodyValidationError } from './checked-json.js';
import type { ParsedPruneBody } from './prune-body.js';
import type { EvalLine } from './eval-line.js';
import { buffersOfParts } from './line-segments.js';
import type { ParsedGenerateBody } from './generate-body.js';

/** Bodies from this size on are parsed in the worker; smaller ones cost the event loop less than the hand-over. */
export const OFFLOAD_JSON_BYTES = 1 << 20;

/** What the worker parses: a `POST /v1/prune` body, a line of `POST /v1/prune/batch`, a `POST /v1/generate` body, or a line of `POST /v1/eval`. */
export type JsonTask =
  | { kind: 'body'; bytes: Uint8Array }
  | { kind: 'line'; parts: Uint8Array[] }
  | { kind: 'generate'; bytes: Uint8Array; maxPromptChars: number }
  | { kind: 'eval'; parts: Uint8Array[]; fallbackName: string };

/** The worker's answer to a {@link JsonTask}, or the failure as data. */
export type JsonAnswer =
  | { ok: ParsedPruneBody }
  | { request: PruneRequest }
  | { generate: Omit<ParsedGenerateBody, 'imageError'>; imageFailed?: BodyFailure }
  | { evalLine: EvalLine }
  | { failed: BodyFailure; id?: string | number };

/** A failed parse as data (it crosses the thread boundary); {@link JsonBodyPool.parse} rejects with the error it names. */
export type BodyFailure =
  | { kind: 'http'; code: HttpOnlyCode; field: string; message: string }
  | { kind: 'library'; code: ErrorCode; field: string; message: string }
  | { kind: 'validation'; validation: AjvError[] }
  | { kind: 'syntax'; message: string };

/** The `id` of the batch lines whose parse failed in the worker (it read the id from the text the event loop never decoded). */
const failedIds = new WeakMap<object, string | number>();

/** The `id` of the line whose failed parse threw `e` (from {@link JsonBodyPool.parseLine}), if it had one. */
export function failedLineId(e: unknown): string | number | undefined {
  return typeof e === 'object' && e !== null ? failedIds.get(e) : undefined;
}

/** The buffer of bytes that cover all of it (it moves to the worker), else none (they are copied). */
function transferOf(bytes: Uint8Array): ArrayBuffer[] | undefined {
  const whole = bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength && bytes.buffer instanceof ArrayBuffer;
  return whole ? [bytes.buffer as ArrayBuffer] : undefined;
}

function errorOf(f: BodyFailure): Error {
  switch (f.kind) {
    case 'http':
      return new HttpError(f.code, f.field, f.message);
    case 'library':
      return new D2PrunerError(f.code, f.field, f.message);
    case 'validation':
      return new BodyValidationError(f.validation);
    case 'syntax':
      return new SyntaxError(f.message);
  }
}

/** The built worker script: next to this module in `dist`, or the built copy when running from the sources (tests). */
function workerFile(): string {
  const here = import.meta.url;
  const path = fileURLToPath(here.endsWith('.ts') ? new URL('../../dist/input/json-body-worker.js', here) : new URL('./json-body-worker.js', here));
  if (!existsSync(path)) throw new D2PrunerError('INTERNAL', 'workers', `the JSON body worker script is missing (${path}); build the server first`);
  return path;
}

/**
 * One worker thread that parses large `POST /v1/prune` and `POST /v1/generate` JSON bodies and
 * large lines of `POST /v1/prune/batch` and `POST /v1/eval` — the structure scan,
 * `JSON.parse`, the schema check and the copy into typed arrays take about a second of CPU for a
 * 64 MiB body, which would stall every other request on the event loop. The thread starts on the
 * first large body and stops after 30 s without one. Its errors are those of the event-loop path.
 */
export class JsonBodyPool {
  private piscina: Piscina | undefined;

  /**
   * @param caps the server's input caps
   * @param methodNames the method names of the route's body schema
   */
  constructor(
    private readonly caps: InputCaps,
    private readonly methodNames: readonly string[],
  ) {}

  /**
   * Parses a body (UTF-8 bytes; their buffer moves to the worker when the view covers all of it).
   * Aborting `signal` (the request's deadline, or the client gone) stops the worker's parse.
   */
  async parse(bytes: Uint8Array, signal?: AbortSignal): Promise<ParsedPruneBody> {
    const out = await this.run({ kind: 'body', bytes }, transferOf(bytes), signal);
    if (!('ok' in out)) throw new Error('the JSON worker answered a body with something else');
    return out.ok;
  }

  /**
   * Parses a `POST /v1/generate` body as the event-loop path does up to the handler (structure,
   * `JSON.parse`, the route's schema) and decodes its image; a prompt over `maxPromptChars` comes
   * back cut to one character over it. The image's decoding error, if any, is returned as
   * `imageError` for the handler to throw where it checks the image.
   */
  async parseGenerate(bytes: Uint8Array, maxPromptChars: number, signal?: AbortSignal): Promise<ParsedGenerateBody> {
    const out = await this.run({ kind: 'generate', bytes, maxPromptChars }, transferOf(bytes), signal);
    if (!('generate' in out)) throw new Error('the JSON worker answered a generate body with something else');
    return out.imageFailed ? { ...out.generate, imageError: errorOf(out.imageFailed) } : out.generate;
  }

  /**
   * Parses one line of `POST /v1/eval` (its UTF-8 bytes as `parts`, whose buffers move to the
   * worker) as `parseEvalLine` does on the event loop, and rejects with the error it throws.
   */
  async parseEvalLine(parts: Uint8Array[], fallbackName: string, signal?: AbortSignal): Promise<EvalLine> {
    const out = await this.run({ kind: 'eval', parts, fallbackName }, buffersOfParts(parts), signal);
    if (!('evalLine' in out)) throw new Error('the JSON worker answered an eval line with something else');
    return out.evalLine;
  }

  /**
   * Parses one line of `POST /v1/prune/batch` (its UTF-8 bytes as `parts`, whose buffers move
   * to the worker) as `parseBatchLine` does on the event loop, and rejects with the error it
   * throws; {@link failedLineId} gives that error's line `id`.
   */
  async parseLine(parts: Uint8Array[], signal?: AbortSignal): Promise<PruneRequest> {
    const out = await this.run({ kind: 'line', parts }, buffersOfParts(parts), signal);
    if (!('request' in out)) throw new Error('the JSON worker answered a line with something else');
    return out.request;
  }

  private async run(task: JsonTask, transferList: ArrayBuffer[] | undefined, signal: AbortSignal | undefined): Promise<Exclude<JsonAnswer, { failed: BodyFailure }>> {
    const workerData: JsonBodyWorkerData = { caps: this.caps, methodNames: [...this.methodNames] };
    this.piscina ??= new Piscina({ filename: workerFile(), minThreads: 0, maxThreads: 1, idleTimeout: 30_000, workerData, execArgv: [] });
    const out = (await this.piscina.run(task, { transferList, signal })) as JsonAnswer;
    if ('failed' in out) {
      const e = errorOf(out.failed);
      if (out.id !== undefined) failedIds.set(e, out.id);
      throw e;
    }
    return out;
  }

  /** Stops the worker (waits for a parse in flight). */
  async close(): Promise<void> {
    await this.piscina?.close();
    this.piscina = undefined;
  }
}
