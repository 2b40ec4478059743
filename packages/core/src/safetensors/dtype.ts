import { InvalidArgumentError, ShapeMismatchError } from '../errors.js';

/** Float dtypes this library reads from safetensors files (F64 is rounded to float32). */
export type FloatDtype = 'F32' | 'F16' | 'BF16' | 'F64';

/** Integer dtypes this library reads, for index tensors only (`object`). */
export type IndexDtype = 'I32' | 'I64';

/** Dtypes this library reads from safetensors files. */
export type ReadableDtype = FloatDtype | IndexDtype;

/** Bytes per element of each readable dtype. */
export const DTYPE_BYTES: Readonly<Record<ReadableDtype, number>> = { F32: 4, F16: 2, BF16: 2, F64: 8, I32: 4, I64: 8 };

/** True when `d` is a dtype this library reads. */
export function isReadableDtype(d: string): d is ReadableDtype {
  return Object.prototype.hasOwnProperty.call(DTYPE_BYTES, d);
}

/** True for the integer dtypes, which only index tensors may use (docs/formats.md §1). */
export function isIndexDtype(d: ReadableDtype): d is IndexDtype {
  return d === 'I32' || d === 'I64';
}

/** Decodes one IEEE-754 binary16 value. */
export function f16ToF32(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >>> 10) & 0x1f;
  const frac = h & 0x3ff;
  if (exp === 0) return sign * frac * 2 ** -24;
  if (exp === 0x1f) return frac ? NaN : sign * Infinity;
  return sign * (1 + frac / 1024) * 2 ** (exp - 15);
}

const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

let f16Table: Float32Array | undefined;

/** Every binary16 bit pattern decoded once (256 KB, built on first F16 read). */
function f16Lookup(): Float32Array {
  if (!f16Table) {
    f16Table = new Float32Array(65536);
    for (let h = 0; h < 65536; h++) f16Table[h] = f16ToF32(h);
  }
  return f16Table;
}

/**
 * The bytes as a typed-array view of `width`-byte elements: a view into the same buffer when
 * the offset is aligned, else a view of an aligned copy.
 */
function aligned(bytes: Uint8Array, width: number): ArrayBufferLike {
  if (bytes.byteOffset % width === 0) return bytes.buffer;
  const copy = new Uint8Array(bytes.byteLength); // not bytes.slice(): a Node Buffer's slice is a view
  copy.set(bytes);
  return copy.buffer;
}

function alignedOffset(bytes: Uint8Array, width: number): number {
  return bytes.byteOffset % width === 0 ? bytes.byteOffset : 0;
}

/** Gives float32 arrays of `count` elements for decoded tensors (contents need not be zeroed: every element is written). */
export type F32Allocator = (count: number) => Float32Array;

const freshF32: F32Allocator = (count) => new Float32Array(count);

/**
 * A faster decoder of `count` F16 or BF16 values into `out` (e.g. WebAssembly SIMD from
 * `@d2pruner/kernels`); returns false to leave the values to the JavaScript decoder.
 */
export type HalfDecoder = (dtype: 'F16' | 'BF16', src: Uint8Array, out: Float32Array, count: number) => boolean;

/** BF16 → float32: each value is the high half of its float32, read two at a time from 32-bit words. */
function decodeBf16(buffer: ArrayBufferLike, at: number, count: number, out: Float32Array): void {
  const bits = new Uint32Array(out.buffer, out.byteOffset, count);
  const pairs = at % 4 === 0 ? count >> 1 : 0;
  const words = pairs > 0 ? new Uint32Array(buffer, at, pairs) : new Uint32Array(0);
  for (let j = 0; j < pairs; j++) {
    const w = words[j];
    bits[2 * j] = w << 16;
    bits[2 * j + 1] = w & 0xffff0000;
  }
  const src = new Uint16Array(buffer, at, count);
  for (let i = 2 * pairs; i < count; i++) bits[i] = src[i] << 16;
}

/** F16 → float32: the bits of every value from the table of all 65,536 patterns (256 KB, cache-resident), two per 32-bit read. */
function decodeF16(buffer: ArrayBufferLike, at: number, count: number, out: Float32Array): void {
  const table = new Uint32Array(f16Lookup().buffer);
  const bits = new Uint32Array(out.buffer, out.byteOffset, count);
  const pairs = at % 4 === 0 ? count >> 1 : 0;
  const words = pairs > 0 ? new Uint32Array(buffer, at, pairs) : new Uint32Array(0);
  for (let j = 0; j < pairs; j++) {
    const w = words[j];
    bits[2 * j] = table[w & 0xffff];
    bits[2 * j + 1] = table[w >>> 16];
  }
  const src = new Uint16Array(buffer, at, count);
  for (let i = 2 * pairs; i < count; i++) bits[i] = table[src[i]];
}

/**
 * Decodes little-endian tensor bytes of dtype `dtype` to float32 values. F32 on a
 * little-endian machine is **zero-copy**: the result views the file's buffer when the data is
 * 4-byte aligned (a safetensors data section normally is) and an aligned copy otherwise. F16
 * reads each value's float32 bits from a table of all patterns, BF16 shifts, both two values per
 * 32-bit read (or by `decodeHalf` when given), into arrays from `allocate` (a caller's pool; fresh ones by default);
 * F64 is rounded to the nearest float32. Integer dtypes are converted exactly where they fit
 * (index tensors such as `object`). An unknown dtype, a count that is not an integer ≥ 0 and
 * bytes shorter than `count` values are typed errors, checked before anything is allocated.
 */
export function decodeToF32(bytes: Uint8Array, dtype: ReadableDtype, count: number, allocate: F32Allocator = freshF32, decodeHalf?: HalfDecoder): Float32Array {
  if (!isReadableDtype(dtype)) throw new InvalidArgumentError('dtype', `dtype '${String(dtype)}' is not one this library reads (${Object.keys(DTYPE_BYTES).join(', ')})`);
  const width = DTYPE_BYTES[dtype];
  if (!Number.isInteger(count) || count < 0) throw new InvalidArgumentError('count', `count must be an integer ≥ 0, got ${String(count)}`);
  // before any allocation: the bytes must hold every value asked for
  if (!(bytes instanceof Uint8Array) || bytes.length < count * width) {
    throw new ShapeMismatchError('bytes', `${count} ${dtype} values need ${count * width} bytes, got ${bytes instanceof Uint8Array ? bytes.length : String(bytes)}`);
  }
  if (!LITTLE_ENDIAN) return decodeBigEndianHost(bytes, dtype, count);
  const buffer = aligned(bytes.subarray(0, count * width), width);
  const at = alignedOffset(bytes, width);
  switch (dtype) {
    case 'F32':
      return new Float32Array(buffer, at, count);
    case 'F64':
      return Float32Array.from(new Float64Array(buffer, at, count));
    case 'F16':
    case 'BF16': {
      const out = allocate(count);
      if (decodeHalf?.(dtype, bytes.subarray(0, 2 * count), out, count)) return out;
      (dtype === 'F16' ? decodeF16 : decodeBf16)(buffer, at, count, out);
      return out;
    }
    case 'I32':
      return Float32Array.from(new Int32Array(buffer, at, count));
    case 'I64': {
      const src = new BigInt64Array(buffer, at, count);
      const out = new Float32Array(count);
      for (let i = 0; i < count; i++) out[i] = Number(src[i]);
      return out;
    }
  }
}

/** The portable path (DataView reads) for big-endian hosts. */
function decodeBigEndianHost(bytes: Uint8Array, dtype: ReadableDtype, count: number): Float32Array {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out = new Float32Array(count);
  const read: Record<ReadableDtype, (i: number) => number> = {
    F32: (i) => view.getFloat32(i * 4, true),
    F64: (i) => view.getFloat64(i * 8, true),
    F16: (i) => f16ToF32(view.getUint16(i * 2, true)),
    BF16: (i) => {
      const tmp = new DataView(new ArrayBuffer(4));
      tmp.setUint32(0, view.getUint16(i * 2, true) << 16);
      return tmp.getFloat32(0);
    },
    I32: (i) => view.getInt32(i * 4, true),
    I64: (i) => Number(view.getBigInt64(i * 8, true)),
  };
  for (let i = 0; i < count; i++) out[i] = read[dtype](i);
  return out;
}
