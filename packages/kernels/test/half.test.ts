import { describe, expect, it } from 'vitest';
import { decodeToF32 } from '@d2pruner/core';
import { decodeHalfSimd } from '../src/index.js';

/** Bit patterns of a float32 array (NaN payloads compared as "is NaN"). */
function same(a: Float32Array, b: Float32Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (!(Object.is(a[i], b[i]) || (Number.isNaN(a[i]) && Number.isNaN(b[i])))) return false;
  return true;
}

describe('decodeHalfSimd (F16 and BF16 in WebAssembly SIMD)', () => {
  it('decodes every one of the 65,536 patterns like the JavaScript decoder, in both dtypes', () => {
    const raw = new Uint8Array(new Uint16Array(65536).map((_, i) => i).buffer);
    for (const dtype of ['F16', 'BF16'] as const) {
      const out = new Float32Array(65536).fill(7);
      expect(decodeHalfSimd(dtype, raw, out, 65536)).toBe(true);
      expect(same(out, decodeToF32(raw, dtype, 65536))).toBe(true);
    }
  });

  it('odd counts, block boundaries and unaligned sources decode every value and nothing more', () => {
    for (const count of [1, 7, 8, 9, 32767, 32768, 32769, 70001]) {
      const raw = new Uint8Array(2 * count + 1).subarray(1);
      for (let i = 0; i < raw.length; i++) raw[i] = (i * 131 + count) & 0xff;
      for (const dtype of ['F16', 'BF16'] as const) {
        const out = new Float32Array(count + 3).fill(5);
        expect(decodeHalfSimd(dtype, raw, out, count)).toBe(true);
        expect(same(out.subarray(0, count), decodeToF32(raw, dtype, count)), `${dtype} ${count}`).toBe(true);
        expect(Array.from(out.subarray(count))).toEqual([5, 5, 5]);
      }
    }
  });
});
