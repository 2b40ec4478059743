import { InvalidArgumentError } from './errors.js';
import { roundRatioTimes } from './ratio-round.js';
import { assertInRange, assertInteger } from './validate.js';

/** A budget: an absolute count of visual tokens to keep, or a fraction of N. */
export interface BudgetSpec {
  /** Tokens to keep (integer ≥ 0). */
  keep?: number;
  /** Fraction of the N tokens to keep, in [0, 1]; n = round(ratio · N), half up on the ratio as written. */
  ratio?: number;
}

/**
 * Turns `{keep}` or `{ratio}` into a token count for an input of `n` tokens. Exactly one of the
 * two must be given; `ratio` · n rounds half up, computed on the ratio as written (0.7 of 45 is
 * 31.5, so 32, although the floating-point product is 31.499999999999996): `roundRatioTimes`.
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
  return roundRatioTimes(spec.ratio, n);
}
