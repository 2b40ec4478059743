import { InvalidInputError } from '@d2pruner/core';

/**
 * Throws INVALID_INPUT naming `field` unless `x` is an array or a typed array of numbers' worth
 * (an object with an integer `length`): a call from plain JavaScript with `null`, a number or a
 * string gets a typed error, not a TypeError from deep inside. The values are the caller's to check.
 */
export function assertScores(field: string, x: unknown): asserts x is ArrayLike<number> {
  const ok = (Array.isArray(x) || ArrayBuffer.isView(x)) && Number.isSafeInteger((x as { length?: unknown }).length);
  if (!ok) throw new InvalidInputError(field, `${field} must be an array of numbers (a Float32Array or an array), got ${x === null ? 'null' : typeof x}`);
}
