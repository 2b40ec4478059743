import { MATRIX_TENSORS, type TensorName } from '@d2pruner/core';
import { HttpError } from '../http-error.js';

/** Size limits of one input (413 `PAYLOAD_TOO_LARGE` beyond them). */
export interface InputCaps {
  /** Largest number of values in any one tensor (N×D for features). */
  maxElements: number;
  /** Largest number of visual tokens N. */
  maxTokens: number;
}

/** Tensors whose first dimension counts visual tokens. */
const TOKEN_ROWS: ReadonlySet<string> = new Set(['features', 'keys', 'imageEmbeds']);
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
}

/**
 * Reads only the header of a safetensors body and checks every tensor's shape against the caps,
 * before any tensor is decoded. A header that does not parse is left to the decoder, which
 * reports it as `CORRUPT_FILE` (400).
 */
export function checkSafetensorsCaps(bytes: Uint8Array, caps: InputCaps): void {
  if (bytes.byteLength < 8) return;
  const len = new DataView(bytes.buffer, bytes.byteOffset, 8).getBigUint64(0, true);
  if (len > BigInt(bytes.byteLength - 8)) return;
  let header: unknown;
  try {
    header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + Number(len))));
  } catch {
    return;
  }
  if (typeof header !== 'object' || header === null) return;
  for (const [name, entry] of Object.entries(header as Record<string, unknown>)) {
    const shape = (entry as { shape?: unknown } | null)?.shape;
    if (name === '__metadata__' || !Array.isArray(shape) || !shape.every((d) => Number.isSafeInteger(d) && d >= 0)) continue;
    checkShape(name, shape as number[], caps);
  }
}

/** Whether a tensor name is a matrix in the token-file format. */
export function isMatrixTensor(name: TensorName): boolean {
  return MATRIX_TENSORS.has(name);
}
