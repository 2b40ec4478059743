import { InvalidArgumentError } from '@d2pruner/core';

/**
 * The budget typed in the Keep box: a whole number ≥ 0. An empty box is an error, not 0 (which
 * `Number('')` would give, pruning every token away without a word).
 */
export function parseKeep(text: string): number {
  const keep = Number(text);
  if (text.trim() === '' || !Number.isInteger(keep) || keep < 0) throw new InvalidArgumentError('keep', `keep must be a whole number ≥ 0, got '${text}'`);
  return keep;
}

/**
 * The budget as the status line says it: `keep n`, or, when the Keep box asks for more than the
 * scene's `tokens`, what is kept and what was asked (`keep 576 (asked 1000; the scene has 576
 * tokens)`) — every method keeps at most all of them.
 */
export function keepText(keep: number, tokens: number): string {
  return keep > tokens ? `keep ${tokens} (asked ${keep}; the scene has ${tokens} tokens)` : `keep ${keep}`;
}

/** A number typed in a parameter box (α, θ, pivot ratio): finite, and an empty box is an error, not 0. */
export function parseParam(name: string, text: string): number {
  const value = Number(text);
  if (text.trim() === '' || !Number.isFinite(value)) throw new InvalidArgumentError(name, `${name} must be a number, got '${text}'`);
  return value;
}
