/*
 * JSON text for float32 values, several times faster than `JSON.stringify` of the same numbers
 * (which writes each value's shortest double form, up to 17 digits, at about 75 ns a value).
 * A float32 value is written with at most 9 significant digits: always enough to identify it
 * (`Math.fround(JSON.parse(text)) === value`), and what float32 data carries.
 */

/** The smallest power of ten in {@link float32JsonTables} (10^k for k = this … this + 127). */
export const FLOAT32_JSON_POW_MIN = -64;
const POW_MIN = FLOAT32_JSON_POW_MIN;
const POW_COUNT = 128;

/** The writer's lookup tables, built on first use (nothing runs on import). */
interface Tables {
  readonly pow10: Float64Array;
  /** The ASCII digit pairs '00' … '99' as little-endian 16-bit words (first digit in the low byte). */
  readonly pairs: Uint16Array;
  /** One double and its two 32-bit words, to read a value's binary exponent. */
  readonly bits: Float64Array;
  readonly words: Uint32Array;
  /** The index of the high word in `words`: 1 on little-endian machines, 0 on big-endian ones. */
  readonly high: number;
}

let cached: Tables | undefined;

function tables(): Tables {
  if (cached) return cached;
  const pairs = Uint16Array.from({ length: 100 }, (_, i) => (48 + Math.floor(i / 10)) | ((48 + (i % 10)) << 8));
  const bits = new Float64Array([1]);
  const words = new Uint32Array(bits.buffer);
  const pow10 = Float64Array.from({ length: POW_COUNT }, (_, i) => Number(`1e${i + POW_MIN}`));
  cached = { pow10, pairs, bits, words, high: words[1] !== 0 ? 1 : 0 };
  return cached;
}

/**
 * The writer's tables: the correctly rounded powers 10^k for k = {@link FLOAT32_JSON_POW_MIN} …
 * +127, and the ASCII digit pairs '00' … '99' as 16-bit words (first digit in the low byte).
 * Another writer of the same text (the WebAssembly one of `@d2pruner/kernels`) must scale by these
 * same powers; do not modify them.
 */
export function float32JsonTables(): { readonly pow10: Float64Array; readonly pairs: Uint16Array } {
  const { pow10, pairs } = tables();
  return { pow10, pairs };
}

/** Most bytes {@link writeFloat32} writes for one float32 value (an integer below 10²¹: `-123456789000000000000`). */
export const FLOAT32_JSON_MAX_BYTES = 22;

/** Most bytes of any number `JSON.stringify` writes (`-1.2345678901234567e-300`). */
const TEXT_MAX_BYTES = 24;

/**
 * Writes the 9 digits of `d` (10⁸ ≤ d < 10⁹) at `at` … `at` + 8: no loop, no branch; the first
 * digit as a byte, the other eight as two little-endian 32-bit words of digit pairs.
 */
function write9(out: Uint8Array, view: DataView, pairs: Uint16Array, at: number, d: number): void {
  const hi = (d / 10000) | 0;
  const lo = d - hi * 10000;
  const h = (hi / 100) | 0;
  const a = (h / 100) | 0;
  const l = (lo / 100) | 0;
  out[at] = 48 + a;
  view.setUint32(at + 1, pairs[h - a * 100] | (pairs[hi - h * 100] << 16), true);
  view.setUint32(at + 5, pairs[l] | (pairs[lo - l * 100] << 16), true);
}

/** Writes ASCII `text` (a JSON number or `null`, at most {@link TEXT_MAX_BYTES} characters) at `at`. */
function writeText(text: string, out: Uint8Array, at: number): number {
  for (let i = 0; i < text.length; i++) out[at + i] = text.charCodeAt(i);
  return at + text.length;
}

/**
 * Writes `values` into `out` from `at`, separated by commas, and returns the position after the
 * last; −1 (at the first one) when a value is not a number. One loop over all values: a call per
 * value would box each double, which cost more than the formatting. Float32 values
 * (`Math.fround(v) === v`) get at most 9 significant digits, trailing zeros dropped, in
 * JavaScript's number notation (plain for 10⁻⁶ ≤ |v| < 10²¹, else `d.ddde±x`), `0` for ±0; any
 * other finite number is written as `JSON.stringify` writes it, NaN and ±Infinity as `null`.
 * `out` needs {@link TEXT_MAX_BYTES} + 1 bytes a value from `at`.
 */
function writeNumbers(values: ArrayLike<unknown>, out: Uint8Array, at: number): number {
  const { pow10, pairs, bits, words, high } = tables();
  const view = new DataView(out.buffer, out.byteOffset, out.byteLength);
  const n = values.length;
  let p = at;
  for (let i = 0; i < n; i++) {
    const value = values[i];
    if (typeof value !== 'number') return -1;
    let v = value;
    if (i > 0) out[p++] = 44;
    if (v === 0) {
      out[p++] = 48;
      continue;
    }
    if (v - v !== 0 || Math.fround(v) !== v) {
      p = writeText(JSON.stringify(v), out, p);
      continue;
    }
    if (v < 0) {
      out[p++] = 45;
      v = -v;
    }
    bits[0] = v;
    // floor(log10 v) from the binary exponent, off by at most one (fixed below)
    let e10 = ((((words[high] >>> 20) & 2047) - 1023) * 1233) >> 12;
    // x = v·10^(8−e10) must round to a 9-digit integer; x + 0.5 is exact below 2³⁰, so its
    // truncation is Math.round(x)
    let x = v * pow10[8 - e10 - POW_MIN];
    if (x >= 999999999.5) x = v * pow10[8 - ++e10 - POW_MIN];
    else if (x < 99999999.5) {
      x = v * pow10[8 - --e10 - POW_MIN];
      if (x >= 999999999.5) x = v * pow10[8 - ++e10 - POW_MIN];
    }
    const d = (x + 0.5) | 0;
    // significant digits: 9 less the trailing zeros (d ≥ 10⁸ is not 0); all 9 are written and
    // the position moves past the `count` that stay
    let count = 9;
    for (let t = d; t % 10 === 0; t = (t / 10) | 0) count--;
    if (e10 >= 0 && e10 < 21) {
      if (count <= e10 + 1) {
        // an integer: the digits, then zeros
        write9(out, view, pairs, p, d);
        if (e10 < 9) p += e10 + 1;
        else {
          p += 9;
          for (let k = 9; k <= e10; k++) out[p++] = 48;
        }
      } else {
        // the digits one place to the right, then the integer part moved left over a '.'
        write9(out, view, pairs, p + 1, d);
        for (let k = 0; k <= e10; k++) out[p + k] = out[p + 1 + k];
        out[p + e10 + 1] = 46;
        p += 1 + count;
      }
    } else if (e10 < 0 && e10 >= -6) {
      out[p++] = 48;
      out[p++] = 46;
      for (let k = -1; k > e10; k--) out[p++] = 48;
      write9(out, view, pairs, p, d);
      p += count;
    } else {
      // d.ddde±x
      write9(out, view, pairs, p + 1, d);
      out[p] = out[p + 1];
      if (count > 1) {
        out[p + 1] = 46;
        p += count + 1;
      } else p += 1;
      out[p++] = 101;
      let e = e10;
      if (e < 0) {
        out[p++] = 45;
        e = -e;
      } else out[p++] = 43;
      if (e >= 10) {
        out[p++] = 48 + Math.floor(e / 10);
        e %= 10;
      }
      out[p++] = 48 + e;
    }
  }
  return p;
}

const single: number[] = [0.5];

/**
 * Writes the finite float32 value `v` (`Math.fround(v) === v`) as a JSON number into `out` at
 * `at` and returns the position after it: at most 9 significant digits, trailing zeros dropped,
 * in JavaScript's number notation (plain for 10⁻⁶ ≤ |v| < 10²¹, else `d.ddde±x`); `0` for ±0.
 * `null` for NaN and ±Infinity, and a number that is not a float32 value as `JSON.stringify`
 * writes it. `out` needs {@link FLOAT32_JSON_MAX_BYTES} bytes from `at` for a float32 value (24 for
 * any other); bytes in that window past the returned position may be overwritten. Exact: the decimal lies within 5·10⁻⁹ relative of `v`, less than half its float32
 * spacing (≥ 2⁻²⁵ relative), so `Math.fround(Number(text)) === v`.
 */
export function writeFloat32(v: number, out: Uint8Array, at: number): number {
  single[0] = v;
  return writeNumbers(single, out, at);
}

/**
 * Writes `values` into `out` from `at`, comma-separated and without brackets, each as
 * {@link float32ArrayJson} writes it, and returns the position after the last; −1 when some value
 * is not a number (what was written is then of no use). `out` needs 25 bytes a value from `at`.
 */
export function writeFloat32Array(values: ArrayLike<number>, out: Uint8Array, at: number): number {
  return writeNumbers(values, out, at);
}

/**
 * A writer with {@link writeFloat32Array}'s contract and output (a faster implementation, such as
 * the WebAssembly one of `@d2pruner/kernels`).
 */
export type Float32ArrayWriter = (values: ArrayLike<number>, out: Uint8Array, at: number) => number;

/** Bytes {@link writeFloat32Array} may need for one value (the longest number and its comma). */
export const FLOAT32_ARRAY_BYTES_PER_VALUE = TEXT_MAX_BYTES + 1;

let scratch = new Uint8Array(0);
let ascii: { decode(bytes: Uint8Array): string } | undefined;

/**
 * The JSON array text of `values`: float32 values (`Math.fround(v) === v`) as
 * {@link writeFloat32} writes them, any other finite number as `JSON.stringify` writes it, `null`
 * for NaN and ±Infinity (as `JSON.stringify`). When some value is not a number, the whole array
 * as `JSON.stringify` writes it.
 */
export function float32ArrayJson(values: ArrayLike<number>): string {
  const need = 2 + values.length * FLOAT32_ARRAY_BYTES_PER_VALUE;
  if (scratch.length < need) scratch = new Uint8Array(Math.max(need, 2 * scratch.length));
  const out = scratch;
  out[0] = 91;
  const p = writeNumbers(values, out, 1);
  if (p < 0) return JSON.stringify(Array.from(values));
  out[p] = 93;
  ascii ??= new TextDecoder();
  return ascii.decode(out.subarray(0, p + 1));
}
