/** Dtypes this library reads from safetensors files. */
export type ReadableDtype = 'F32' | 'F16' | 'BF16' | 'F64' | 'I32' | 'I64';

/** Bytes per element of each readable dtype. */
export const DTYPE_BYTES: Readonly<Record<ReadableDtype, number>> = { F32: 4, F16: 2, BF16: 2, F64: 8, I32: 4, I64: 8 };

/** True when `d` is a dtype this library reads. */
export function isReadableDtype(d: string): d is ReadableDtype {
  return Object.prototype.hasOwnProperty.call(DTYPE_BYTES, d);
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

/**
 * Decodes little-endian tensor bytes of dtype `dtype` to float32 values. Integer dtypes are
 * converted exactly where they fit (index tensors such as `object`).
 */
export function decodeToF32(bytes: Uint8Array, dtype: ReadableDtype, count: number): Float32Array {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out = new Float32Array(count);
  switch (dtype) {
    case 'F32':
      if (LITTLE_ENDIAN) {
        // copy into a fresh, aligned buffer (a Node Buffer's slice would share its pool)
        const copy = new Uint8Array(count * 4);
        copy.set(bytes.subarray(0, count * 4));
        return new Float32Array(copy.buffer);
      }
      for (let i = 0; i < count; i++) out[i] = view.getFloat32(i * 4, true);
      break;
    case 'F64':
      for (let i = 0; i < count; i++) out[i] = view.getFloat64(i * 8, true);
      break;
    case 'F16':
      for (let i = 0; i < count; i++) out[i] = f16ToF32(view.getUint16(i * 2, true));
      break;
    case 'BF16': {
      const u32 = new Uint32Array(1);
      const f32 = new Float32Array(u32.buffer);
      for (let i = 0; i < count; i++) {
        u32[0] = view.getUint16(i * 2, true) << 16;
        out[i] = f32[0];
      }
      break;
    }
    case 'I32':
      for (let i = 0; i < count; i++) out[i] = view.getInt32(i * 4, true);
      break;
    case 'I64':
      for (let i = 0; i < count; i++) out[i] = Number(view.getBigInt64(i * 8, true));
      break;
  }
  return out;
}
