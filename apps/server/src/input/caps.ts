import { MATRIX_TENSORS, type TensorName } from '@d2pruner/core';
import { HttpError } from '../http-error.js';

/** Size limits of one input (413 `PAYLOAD_TOO_LARGE` beyond them). */
export interface InputCaps {
  /** Largest number of values in any one tensor (N×D for features). */
  maxElements: number;
  /** Largest number of visual tokens N, and of rows of a text tensor. */
  maxTokens: number;
  /** Largest width of a matrix (D of features, keys, text tensors); unlimited when absent. */
  maxDim?: number;
}

/** Tensors whose first dimension counts visual tokens. */
const TOKEN_ROWS: ReadonlySet<string> = new Set(['features', 'keys', 'imageEmbeds']);
/** Matrices over text tokens: their rows count against `maxTokens` too (a [1e8, 0] matrix is not free). */
const TEXT_ROWS: ReadonlySet<string> = new Set(['textFeatures', 'textKeys', 'textEmbeds']);
/** Vectors over tokens; rank 2 means [H, N]. */
const TOKEN_VECTORS: ReadonlySet<string> = new Set(['attention', 'prior', 'clsAttention']);

/**
 * Checks one tensor's shape against the caps: its value count, and the token count N it implies
 * (rows of features / keys / imageEmbeds, last dimension of attention-like vectors).
 */
export function checkShape(name: string, shape: readonly number[], caps: InputCaps): void {
  const values = shape.reduce((a, b) => a * b, 1);
  if (values > caps.maxElements) {
    throw new HttpError('PAYLOAD_TOO_LARGE', name, `tensor '${name}' of shape [${shape.join(', ')}] has ${values} values; this server accepts at most ${caps.maxElements} per tensor (--max-elements)`);
  }
  const n = TOKEN_ROWS.has(name) ? shape[0] : TOKEN_VECTORS.has(name) ? shape[shape.length - 1] : undefined;
  if (n !== undefined && n > caps.maxTokens) {
    throw new HttpError('PAYLOAD_TOO_LARGE', name, `tensor '${name}' has ${n} visual tokens; this server accepts at most ${caps.maxTokens} (--max-tokens)`);
  }
  if (TEXT_ROWS.has(name) && shape[0] > caps.maxTokens) {
    throw new HttpError('PAYLOAD_TOO_LARGE', name, `tensor '${name}' has ${shape[0]} text rows; this server accepts at most ${caps.maxTokens} (--max-tokens)`);
  }
  if (caps.maxDim !== undefined && shape.length === 2 && (TOKEN_ROWS.has(name) || TEXT_ROWS.has(name)) && shape[1] > caps.maxDim) {
    throw new HttpError('PAYLOAD_TOO_LARGE', name, `tensor '${name}' is ${shape[1]} wide; this server accepts at most ${caps.maxDim} columns (--max-dim)`);
  }
}

/**
 * The tensor shapes declared in a safetensors header (read without decoding any tensor), or
 * null when the bytes do not start with a parsable header (the decoder then reports it).
 */
export function safetensorsShapes(bytes: Uint8Array): Map<string, number[]> | null {
  if (bytes.byteLength < 8) return null;
  const len = new DataView(bytes.buffer, bytes.byteOffset, 8).getBigUint64(0, true);
  if (len > BigInt(bytes.byteLength - 8)) return null;
  let header: unknown;
  try {
    header = JSON.parse(Buffer.from(bytes.buffer, bytes.byteOffset + 8, Number(len)).toString('utf8'));
  } catch {
    return null;
  }
  if (typeof header !== 'object' || header === null) return null;
  const out = new Map<string, number[]>();
  for (const [name, entry] of Object.entries(header as Record<string, unknown>)) {
    const shape = (entry as { shape?: unknown } | null)?.shape;
    if (name === '__metadata__' || !Array.isArray(shape) || !shape.every((d) => Number.isSafeInteger(d) && d >= 0)) continue;
    out.set(name, shape as number[]);
  }
  return out;
}

/**
 * Largest safetensors header the server parses: 64 bytes per token allowed (`--max-tokens`) plus
 * 64 KiB. A token file's header is a few entries and its `__metadata__` (the layout's three
 * coordinates per token, the objects), about 10 bytes a token; a header of tens of MB (a million
 * empty tensors, a million metadata keys) would take seconds of `JSON.parse` on the event loop
 * and GBs of heap, however small its data.
 */
export function maxHeaderBytes(caps: Pick<InputCaps, 'maxTokens'>): number {
  return 64 * caps.maxTokens + 65536;
}

/** 413 `PAYLOAD_TOO_LARGE` naming `header` when the header length in the first 8 bytes is over {@link maxHeaderBytes}. */
function checkHeaderLength(bytes: Uint8Array, caps: InputCaps): void {
  if (bytes.byteLength < 8) return;
  const len = new DataView(bytes.buffer, bytes.byteOffset, 8).getBigUint64(0, true);
  const max = maxHeaderBytes(caps);
  if (len > BigInt(max) && len <= BigInt(bytes.byteLength - 8)) {
    throw new HttpError('PAYLOAD_TOO_LARGE', 'header', `the safetensors header is ${len} bytes; this server reads headers of at most ${max} bytes (64 per token of --max-tokens, plus 64 KiB)`);
  }
}

/**
 * Reads only the header of a safetensors body and checks every tensor's shape against the caps,
 * before any tensor is decoded. A header that does not parse is left to the decoder, which
 * reports it as `CORRUPT_FILE` (400).
 */
export function checkSafetensorsCaps(bytes: Uint8Array, caps: InputCaps): void {
  checkHeaderLength(bytes, caps);
  for (const [name, shape] of safetensorsShapes(bytes) ?? []) checkShape(name, shape, caps);
}

/** Whether a tensor name is a matrix in the token-file format. */
export function isMatrixTensor(name: TensorName): boolean {
  return MATRIX_TENSORS.has(name);
}
