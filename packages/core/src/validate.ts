import { InvalidInputError } from './errors.js';

/** Numeric array types accepted by validators. */
export type NumericArray = Float32Array | Float64Array | Int32Array | ArrayLike<number>;

/** Throws unless every element of `values` is finite (no NaN, no ±Inf). */
export function assertFinite(field: string, values: NumericArray): void {
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
