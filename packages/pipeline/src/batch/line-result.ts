import type { ErrorJson } from '@d2pruner/core';

/** One result of a batch, before it is written as a line. */
export interface BatchResult {
  /** Position of the request among the batch's requests (blank lines do not count). */
  index: number;
  /** 1-based line number in the JSONL input. */
  line: number;
  /**
   * The result line (docs/formats.md §2): the selection JSON or `{"error":{…}}`. For a result
   * that carries {@link bytes}, made from them on first read.
   */
  readonly text: string;
  /**
   * The same line as UTF-8 bytes, for long lines (VisionZip's merged rows, hundreds of KB): a
   * writer of bytes (stdout, a socket) writes these and never makes the line a string.
   */
  bytes?: Uint8Array;
  /** The error, for a failed request. */
  error?: ErrorJson;
}

let decoder: { decode(bytes: Uint8Array): string } | undefined;

/**
 * The result of request `index` (input line `line`) whose line is `payload`: a string as it is,
 * or UTF-8 bytes kept as {@link BatchResult.bytes}, with `text` decoded from them only when read.
 */
export function lineResult(index: number, line: number, payload: string | Uint8Array): BatchResult {
  if (typeof payload === 'string') return { index, line, text: payload };
  let text: string | undefined;
  const result = { index, line, bytes: payload } as BatchResult;
  return Object.defineProperty(result, 'text', {
    enumerable: true,
    get: () => (text ??= (decoder ??= new TextDecoder()).decode(payload)),
  });
}

/** What crosses threads of a result: its bytes without the `text` made from them (see {@link lineResult}). */
export function portableResult(result: BatchResult): BatchResult {
  return result.bytes ? ({ index: result.index, line: result.line, bytes: result.bytes } as BatchResult) : result;
}

/** A result back from another thread as {@link portableResult} sent it: with `text` again (decoded from its bytes when read). */
export function restoredResult(result: BatchResult): BatchResult {
  return result.bytes ? lineResult(result.index, result.line, result.bytes) : result;
}
