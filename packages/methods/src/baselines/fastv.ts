import { assertFinite, resolveParams, type Method, type MethodParams, type ParamSpec, type Selection, type TokenInput } from '@d2pruner/core';
import { topK } from '@d2pruner/scoring';
import { checkBudget, requireVector, selection, sortedIndices, trivialKeep } from './common.js';

/** FastV has no parameters: the caller turns (K, R) into the budget n (docs/baselines.md §2). */
export const FASTV_PARAM_SPECS: readonly ParamSpec[] = [];

/**
 * FastV (docs/baselines.md §2, `pkunlp-icler/FastV`): keep the n visual tokens with the highest
 * last-token attention a [N]; keep = sort(top-n(a)).
 *
 * Deviation: **[DEV-ties]** equal attention → lower index first (official: `torch.topk`, whose
 * order among equal values is unspecified). Inputs are checked (§1.4): `attention` must be
 * present, a vector, and finite.
 */
export function fastv(input: TokenInput, budget: number, params: MethodParams = {}): Selection {
  const t0 = performance.now();
  checkBudget(budget);
  resolveParams('fastv', FASTV_PARAM_SPECS, params);
  const a = requireVector(input, 'attention', 'fastv');
  assertFinite('attention', a);
  const n = a.length;
  const keep = trivialKeep(n, budget) ?? sortedIndices(topK(a, budget));
  return selection('fastv', n, budget, keep, {}, 'cpu', t0);
}

/** FastV behind the {@link Method} interface. */
export const fastvMethod: Method = {
  name: 'fastv',
  description: 'FastV: top-n visual tokens by last-token attention (docs/baselines.md §2)',
  requires: ['attention'],
  optional: [],
  needsLayout: false,
  params: FASTV_PARAM_SPECS,
  select: async (input, budget, params) => fastv(input, budget, params),
};
