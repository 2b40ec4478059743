import { InvalidInputError } from './errors.js';

/** Numeric array types accepted by validators. */
export type NumericArray = Float32Array | Float64Array | Int32Array | ArrayLike<number>;

/**
 * True when every element is finite. `v·0` is 0 for finite v and NaN for NaN/±Inf, so one sum
 * per element answers for the whole array (the fast path for large feature matrices).
 */
export function allFinite(values: Float32Array | Float64Array): boolean {
  let s0 = 0;
  let s1 = 0;
  let s2 = 0;
  let s3 = 0;
  const n = values.length;
  const end = n - (n & 3);
  let i = 0;
  for (; i < end; i += 4) {
    s0 += values[i] * 0;
    s1 += values[i + 1] * 0;
    s2 += values[i + 2] * 0;
    s3 += values[i + 3] * 0;
  }
  for (; i < n; i++) s0 += values[i] * 0;
  return s0 + s1 + s2 + s3 === 0;
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
