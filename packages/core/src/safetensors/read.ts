import { CorruptFileError, InvalidArgumentError, InvalidInputError, UnsupportedDtypeError } from '../errors.js';
import type { Tensor } from '../tensor.js';
import { DTYPE_BYTES, decodeToF32, isIndexDtype, isReadableDtype, type F32Allocator, type HalfDecoder } from './dtype.js';
import { topLevelKeys } from './header-keys.js';

/** Largest tensor dimension the reader takes (2³¹ − 1: the largest typed-array index; no token file comes near it). */
export const MAX_DIMENSION = 2 ** 31 - 1;

/** Largest JSON header accepted (the safetensors reference implementation uses 100 MB). */
export const MAX_HEADER_BYTES = 100_000_000;

/** Tensors that hold indices and may use the integer dtypes I32 / I64 (docs/formats.md §1). */
export const INDEX_TENSORS: ReadonlySet<string> = new Set(['object']);

/** One tensor entry of a safetensors header. */
export interface SafetensorsEntry {
  /** The header's dtype string (`F32`, `BF16`, …), kept even when this library cannot read it. */
  dtype: string;
  /** Dimensions, outermost first. */
  shape: number[];
  /** Byte range [begin, end) relative to the start of the data section. */
  offsets: [number, number];
}

/** A parsed safetensors file whose tensors are decoded on first access. */
export interface SafetensorsFile {
  /** String→string metadata (`__metadata__`). */
  metadata: Record<string, string>;
  /** Header entries by tensor name. */
  entries: Map<string, SafetensorsEntry>;
  /** True when the file has a tensor of that name. */
  has(name: string): boolean;
  /**
   * Decodes a tensor to float32 (F32 zero-copy, F16/BF16 widened, F64 rounded to float32);
   * undefined when absent; UNSUPPORTED_DTYPE for a dtype the reader does not take or for an
   * integer dtype on a tensor that is not an index tensor.
   */
  get(name: string): Tensor | undefined;
}

function parseEntry(name: string, raw: unknown, dataLength: number): SafetensorsEntry {
  const e = raw as Record<string, unknown> | null;
  if (typeof e !== 'object' || e === null) throw new CorruptFileError(name, `header entry '${name}' is not an object`);
  const { dtype, shape, data_offsets: offsets } = e;
  if (typeof dtype !== 'string') throw new CorruptFileError(`${name}.dtype`, `tensor '${name}' has no dtype`);
  if (!Array.isArray(shape) || !shape.every((d) => Number.isSafeInteger(d) && d >= 0)) {
    throw new CorruptFileError(`${name}.shape`, `tensor '${name}' has an invalid shape`);
  }
  // a zero elsewhere in the shape makes any dimension fit in no bytes: bound each one, so no
  // reader loops over, or allocates for, a [10^15, 0] tensor
  const huge = (shape as number[]).find((d) => d > MAX_DIMENSION);
  if (huge !== undefined) throw new InvalidInputError(`${name}.shape`, `tensor '${name}' has a dimension of ${huge}; dimensions of at most ${MAX_DIMENSION} are read`);
  if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every((d) => Number.isSafeInteger(d) && d >= 0)) {
    throw new CorruptFileError(`${name}.data_offsets`, `tensor '${name}' has invalid data_offsets`);
  }
  const [begin, end] = offsets as [number, number];
  if (end < begin) throw new CorruptFileError(`${name}.data_offsets`, `tensor '${name}': data_offsets end ${end} < begin ${begin}`);
  if (end > dataLength) {
    throw new CorruptFileError(
      `${name}.data_offsets`,
      `tensor '${name}' ends at byte ${end} of the data section, but the file holds only ${dataLength} data bytes (truncated?)`,
    );
  }
  if (isReadableDtype(dtype)) {
    const need = (shape as number[]).reduce((a, b) => a * b, 1) * DTYPE_BYTES[dtype];
    if (need !== end - begin) {
      throw new CorruptFileError(
        `${name}.data_offsets`,
        `tensor '${name}': shape [${shape.join(', ')}] of ${dtype} needs ${need} bytes, but data_offsets span ${end - begin}`,
      );
    }
  }
  return { dtype, shape: shape as number[], offsets: [begin, end] };
}

/** Rejects data sections whose tensors overlap, leave gaps or leave trailing bytes (as the reference reader does). */
function checkCoverage(entries: Map<string, SafetensorsEntry>, dataLength: number): void {
  const sorted = [...entries].sort((a, b) => a[1].offsets[0] - b[1].offsets[0] || a[1].offsets[1] - b[1].offsets[1]);
  let at = 0;
  for (const [name, e] of sorted) {
    const [begin, end] = e.offsets;
    if (begin < at) throw new CorruptFileError(`${name}.data_offsets`, `tensor '${name}' overlaps the previous tensor (bytes ${begin}-${end}, previous ends at ${at})`);
    if (begin > at) throw new CorruptFileError(`${name}.data_offsets`, `tensor '${name}' starts at byte ${begin}, leaving a gap after byte ${at} of the data section`);
    at = end;
  }
  if (at !== dataLength) {
    const last = sorted.length ? sorted[sorted.length - 1][0] : undefined;
    const field = last === undefined ? 'data' : `${last}.data_offsets`;
    throw new CorruptFileError(field, `the data section holds ${dataLength - at} bytes after the last tensor${last === undefined ? '' : ` '${last}'`}`);
  }
}

/** Parses the JSON header, refusing anything but an object with distinct keys. */
function parseHeader(bytes: Uint8Array): Record<string, unknown> {
  let text: string;
  let header: unknown;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
    header = JSON.parse(text);
  } catch {
    throw new CorruptFileError('header', 'not a safetensors file: the header is not valid UTF-8 JSON');
  }
  if (typeof header !== 'object' || header === null || Array.isArray(header)) {
    throw new CorruptFileError('header', 'not a safetensors file: the header must be a JSON object');
  }
  const seen = new Set<string>();
  for (const key of topLevelKeys(text)) {
    if (seen.has(key)) throw new CorruptFileError(key, `the header names '${key.slice(0, 200)}' twice`);
    seen.add(key);
  }
  return header as Record<string, unknown>;
}

/** Options of {@link readSafetensors}. */
export interface ReadSafetensorsOptions {
  /** Gives the arrays F16 and BF16 tensors decode into (a pool's; fresh ones by default). */
  allocate?: F32Allocator;
  /** Decodes F16 and BF16 values faster than the JavaScript loop (e.g. `decodeHalfSimd` of `@d2pruner/kernels`). */
  decodeHalf?: HalfDecoder;
}

/**
 * Parses a safetensors file held in memory. Validates the header against the file size so that
 * truncated files and headers that lie about sizes fail with a {@link CorruptFileError} naming
 * the tensor, before any value is read: duplicate names, overlapping `data_offsets`, gaps and
 * trailing bytes are refused, as the reference implementation does.
 */
export function readSafetensors(bytes: Uint8Array, options: ReadSafetensorsOptions = {}): SafetensorsFile {
  if (!(bytes instanceof Uint8Array)) throw new InvalidArgumentError('bytes', `readSafetensors takes the file's bytes as a Uint8Array (or Buffer), got ${bytes === null ? 'null' : (bytes as object)?.constructor?.name ?? typeof bytes}`);
  if (bytes.byteLength < 8) throw new CorruptFileError('header', `not a safetensors file: it is ${bytes.byteLength} bytes, shorter than the 8-byte header length`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLen = view.getBigUint64(0, true);
  if (headerLen > BigInt(Math.min(MAX_HEADER_BYTES, bytes.byteLength - 8))) {
    throw new CorruptFileError('header', `not a safetensors file: its first 8 bytes do not give a header length within the file (${bytes.byteLength} bytes) and the 100 MB limit`);
  }
  const hlen = Number(headerLen);
  const header = parseHeader(bytes.subarray(8, 8 + hlen));
  const data = bytes.subarray(8 + hlen);
  const metadata: Record<string, string> = {};
  const entries = new Map<string, SafetensorsEntry>();
  for (const [name, raw] of Object.entries(header)) {
    if (name === '__metadata__') {
      if (typeof raw !== 'object' || raw === null) throw new CorruptFileError('__metadata__', '__metadata__ must be an object of strings');
      for (const [k, v] of Object.entries(raw as Record<string, unknown>)) {
        if (typeof v !== 'string') throw new CorruptFileError(`__metadata__.${k}`, `metadata '${k}' must be a string`);
        metadata[k] = v;
      }
      continue;
    }
    entries.set(name, parseEntry(name, raw, data.byteLength));
  }
  checkCoverage(entries, data.byteLength);
  const cache = new Map<string, Tensor>();
  return {
    metadata,
    entries,
    has: (name) => entries.has(name),
    get(name) {
      const hit = cache.get(name);
      if (hit) return hit;
      const e = entries.get(name);
      if (!e) return undefined;
      if (!isReadableDtype(e.dtype)) throw new UnsupportedDtypeError(name, e.dtype);
      if (isIndexDtype(e.dtype) && !INDEX_TENSORS.has(name)) {
        throw new UnsupportedDtypeError(name, e.dtype, `tensor '${name}' has dtype ${e.dtype}; a float tensor must be F32, F16, BF16 or F64 (integer dtypes only for index tensors such as 'object')`);
      }
      const count = e.shape.reduce((a, b) => a * b, 1);
      const t: Tensor = { shape: e.shape.slice(), data: decodeToF32(data.subarray(e.offsets[0], e.offsets[1]), e.dtype, count, options.allocate, options.decodeHalf) };
      cache.set(name, t);
      return t;
    },
  };
}
