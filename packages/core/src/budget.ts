import { InvalidArgumentError } from './errors.js';
import { assertInRange, assertInteger } from './validate.js';

/** A budget: an absolute count of visual tokens to keep, or a fraction of N. */
export interface BudgetSpec {
  /** Tokens to keep (integer ≥ 0). */
  keep?: number;
  /** Fraction of the N tokens to keep, in [0, 1]; n = round(ratio · N). */
  ratio?: number;
}

/**
 * Turns `{keep}` or `{ratio}` into a token count for an input of `n` tokens. Exactly one of the
 * two must be given; `ratio` rounds half away from zero.
 */
export function resolveBudget(spec: BudgetSpec, n: number): number {
  const hasKeep = spec.keep !== undefined && spec.keep !== null;
  const hasRatio = spec.ratio !== undefined && spec.ratio !== null;
  if (hasKeep === hasRatio) throw new InvalidArgumentError('keep', 'give exactly one of keep (a token count) or ratio (a fraction)');
  if (hasKeep) {
    assertInteger('keep', spec.keep);
    return spec.keep;
  }
  assertInRange('ratio', spec.ratio, 0, 1);
  return Math.round(spec.ratio * n);
}
