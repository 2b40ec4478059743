/*
 * JSON text for float32 values, several times faster than `JSON.stringify` of the same numbers
 * (which writes each value's shortest double form, up to 17 digits, at about 75 ns a value).
 * A float32 value is written with at most 9 significant digits: always enough to identify it
 * (`Math.fround(JSON.parse(text)) === value`), and what float32 data carries.
 */

/** Powers 10^k for k in [POW_MIN, POW_MIN + POW_COUNT), correctly rounded; built on first use. */
const POW_MIN = -64;
const POW_COUNT = 128;
let pow10: Float64Array | undefined;
/** Pairs of ASCII digits '00' … '99'. */
let digitPairs: Uint8Array | undefined;
const bits = new Float64Array(1);
const words = new Uint32Array(bits.buffer);
/** The high word of a double in `words`: 1 on little-endian machines, 0 on big-endian ones. */
let high = -1;

function tables(): void {
  pow10 = Float64Array.from({ length: POW_COUNT }, (_, i) => Number(`1e${i + POW_MIN}`));
  digitPairs = new Uint8Array(200);
  for (let i = 0; i < 100; i++) {
    digitPairs[2 * i] = 48 + Math.floor(i / 10);
    digitPairs[2 * i + 1] = 48 + (i % 10);
  }
  bits[0] = 1;
  high = words[1] !== 0 ? 1 : 0;
}

/** Most bytes {@link writeFloat32} writes for one value (an integer below 10²¹: `-123456789000000000000`). */
export const FLOAT32_JSON_MAX_BYTES = 22;

/** m·10^(8−e10) for the 9-digit integer of v (> 0) at decimal exponent e10 (Math.round of the scaled double). */
function scaled(v: number, e10: number): number {
  return Math.round(v * (pow10 as Float64Array)[8 - e10 - POW_MIN]);
}

/** Writes the `count` digits of `d` right to left, ending just before `end`. */
function writeDigits(out: Uint8Array, end: number, d: number, count: number): void {
  const pairs = digitPairs as Uint8Array;
  let q = end;
  let left = count;
  while (left >= 2) {
    const r = d % 100;
    d = (d / 100) | 0;
    out[--q] = pairs[2 * r + 1];
    out[--q] = pairs[2 * r];
    left -= 2;
  }
  if (left === 1) out[--q] = 48 + d;
}

/**
 * Writes the finite float32 value `v` (`Math.fround(v) === v`) as a JSON number into `out` at
 * `at` and returns the position after it: at most 9 significant digits, trailing zeros dropped,
 * in JavaScript's number notation (plain for 10⁻⁶ ≤ |v| < 10²¹, else `d.ddde±x`); `0` for ±0.
 * `null` for NaN and ±Infinity (as `JSON.stringify`). `out` needs {@link FLOAT32_JSON_MAX_BYTES} bytes from `at`. Exact: the decimal lies within
 * 5·10⁻⁹ relative of `v`, less than half its float32 spacing (≥ 2⁻²⁵ relative), so
 * `Math.fround(Number(text)) === v`.
 */
export function writeFloat32(v: number, out: Uint8Array, at: number): number {
  if (high < 0) tables();
  let p = at;
  if (!Number.isFinite(v)) return writeText('null', out, p);
  if (v === 0) {
    out[p] = 48;
    return p + 1;
  }
  if (v < 0) {
    out[p++] = 45;
    v = -v;
  }
  bits[0] = v;
  // floor(log10 v) from the binary exponent, off by at most one (fixed below)
  let e10 = ((((words[high] >>> 20) & 2047) - 1023) * 1233) >> 12;
  let m = scaled(v, e10);
  if (m >= 1e9) m = scaled(v, ++e10);
  else if (m < 1e8) {
    m = scaled(v, --e10);
    if (m >= 1e9) m = scaled(v, ++e10);
  }
  let d = m | 0;
  let count = 9;
  while (d % 10 === 0) {
    d = (d / 10) | 0;
    count--;
  }
  if (e10 >= 0 && e10 < 21) {
    if (count <= e10 + 1) {
      // an integer: the digits, then zeros
      writeDigits(out, p + count, d, count);
      p += count;
      for (let i = count; i <= e10; i++) out[p++] = 48;
      return p;
    }
    // the digits one place to the right, then the integer part moved left over a '.'
    writeDigits(out, p + 1 + count, d, count);
    for (let i = 0; i <= e10; i++) out[p + i] = out[p + 1 + i];
    out[p + e10 + 1] = 46;
    return p + 1 + count;
  }
  if (e10 < 0 && e10 >= -6) {
    out[p++] = 48;
    out[p++] = 46;
    for (let i = -1; i > e10; i--) out[p++] = 48;
    writeDigits(out, p + count, d, count);
    return p + count;
  }
  // d.ddde±x
  writeDigits(out, p + 1 + count, d, count);
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
  return p;
}

/** Most bytes of any number `JSON.stringify` writes (`-1.2345678901234567e-300`). */
const TEXT_MAX_BYTES = 24;
let scratch = new Uint8Array(0);
let ascii: { decode(bytes: Uint8Array): string } | undefined;

/**
 * The JSON array text of `values`: float32 values (`Math.fround(v) === v`) through
 * {@link writeFloat32}, any other finite number as `JSON.stringify` writes it, `null` for NaN and
 * ±Infinity (as `JSON.stringify`).
 */
export function float32ArrayJson(values: ArrayLike<number>): string {
  const n = values.length;
  const need = 2 + n * (TEXT_MAX_BYTES + 1);
  if (scratch.length < need) scratch = new Uint8Array(Math.max(need, 2 * scratch.length));
  const out = scratch;
  let p = 0;
  out[p++] = 91;
  for (let i = 0; i < n; i++) {
    if (i > 0) out[p++] = 44;
    const v = values[i];
    if (Math.fround(v) === v) p = writeFloat32(v, out, p);
    else p = writeText(JSON.stringify(v) ?? 'null', out, p);
  }
  out[p++] = 93;
  ascii ??= new TextDecoder();
  return ascii.decode(out.subarray(0, p));
}

/** Writes ASCII `text` (a JSON number or `null`, at most {@link TEXT_MAX_BYTES} characters) at `at`. */
function writeText(text: string, out: Uint8Array, at: number): number {
  for (let i = 0; i < text.length; i++) out[at + i] = text.charCodeAt(i);
  return at + text.length;
}
