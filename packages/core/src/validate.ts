import { InvalidInputError } from './errors.js';

/** Numeric array types accepted by validators. */
export type NumericArray = Float32Array | Float64Array | Int32Array | ArrayLike<number>;

/**
 * True when every float32 is finite, read as bits: a value is NaN or ±Inf exactly when its
 * exponent field is all ones, and then `(bits & 0x7f800000) + 0x00800000` sets the sign bit,
 * so one OR per element answers for the whole array (integer work only, ~5× the float loop).
 */
function allFinite32(values: Float32Array): boolean {
  const u = new Int32Array(values.buffer, values.byteOffset, values.length);
  const n = u.length;
  const end = n - (n & 3);
  let a0 = 0;
  let a1 = 0;
  let a2 = 0;
  let a3 = 0;
  let i = 0;
  for (; i < end; i += 4) {
    a0 |= (u[i] & 0x7f800000) + 0x00800000;
    a1 |= (u[i + 1] & 0x7f800000) + 0x00800000;
    a2 |= (u[i + 2] & 0x7f800000) + 0x00800000;
    a3 |= (u[i + 3] & 0x7f800000) + 0x00800000;
  }
  for (; i < n; i++) a0 |= (u[i] & 0x7f800000) + 0x00800000;
  return (a0 | a1 | a2 | a3) >= 0;
}

/**
 * True when every element is finite. Float32 arrays are checked on their bit patterns; for
 * float64, `v·0` is 0 for finite v and NaN for NaN/±Inf, so one sum answers for the array.
 */
export function allFinite(values: Float32Array | Float64Array): boolean {
  if (values instanceof Float32Array) return allFinite32(values);
  let s0 = 0;
  let s1 = 0;
  const n = values.length;
  let i = 0;
  for (; i + 1 < n; i += 2) {
    s0 += values[i] * 0;
    s1 += values[i + 1] * 0;
  }
  if (i < n) s0 += values[i] * 0;
  return s0 + s1 === 0;
}

/** Throws unless every element of `values` is finite (no NaN, no ±Inf), naming the first bad index. */
export function assertFinite(field: string, values: NumericArray): void {
  if ((values instanceof Float32Array || values instanceof Float64Array) && allFinite(values)) return;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (!Number.isFinite(v)) {
      throw new InvalidInputError(field, `${field}[${i}] is ${v}; every value must be finite`);
    }
  }
}

/** Throws unless every element is finite and ≥ 0. */
export function assertFiniteNonNegative(field: string, values: NumericArray): void {
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (!Number.isFinite(v)) throw new InvalidInputError(field, `${field}[${i}] is ${v}; every value must be finite`);
    if (v < 0) throw new InvalidInputError(field, `${field}[${i}] is ${v}; values must be ≥ 0`);
  }
}

/** Throws unless `v` is an integer ≥ `min` (default 0). */
export function assertInteger(field: string, v: unknown, min = 0): asserts v is number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min) {
    throw new InvalidInputError(field, `${field} must be an integer ≥ ${min}, got ${String(v)}`);
  }
}

/** Throws unless `v` is a finite number within [lo, hi]. */
export function assertInRange(field: string, v: unknown, lo: number, hi: number): asserts v is number {
  if (typeof v !== 'number' || !Number.isFinite(v) || v < lo || v > hi) {
    throw new InvalidInputError(field, `${field} must be a number in [${lo}, ${hi}], got ${String(v)}`);
  }
}

/** Throws unless `v` is a finite number. */
export function assertNumber(field: string, v: unknown): asserts v is number {
  if (typeof v !== 'number' || !Number.isFinite(v)) {
    throw new InvalidInputError(field, `${field} must be a finite number, got ${String(v)}`);
  }
}

/** Throws unless `v` is one of `allowed`. */
export function assertOneOf<T extends string>(field: string, v: unknown, allowed: readonly T[]): asserts v is T {
  if (typeof v !== 'string' || !(allowed as readonly string[]).includes(v)) {
    throw new InvalidInputError(field, `${field} must be one of ${allowed.join(', ')}, got ${String(v)}`);
  }
}

/** Plain decimal number text: an optional sign, digits with an optional fraction (or a fraction alone), an optional exponent. */
const DECIMAL = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

/**
 * The number a plain decimal text spells (`12`, `-0.5`, `1e-3`), or undefined for anything else:
 * no hex, octal or binary literals (`Number('0x40')` is 64), no empty or blank-padded text, no
 * `Infinity` or `NaN`, and nothing that overflows to ±Infinity. For numbers typed by people
 * (flags, query strings, parameter values).
 */
export function parseDecimal(text: string): number | undefined {
  if (typeof text !== 'string' || !DECIMAL.test(text)) return undefined;
  const v = Number(text);
  return Number.isFinite(v) ? v : undefined;
}
