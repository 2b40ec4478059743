import { InvalidInputError, mulberry32, resolveParams, tokenCount, type Method, type MethodParams, type ParamSpec, type Selection, type TokenInput } from '@d2pruner/core';
import { checkBudget, selection, trivialKeep } from './common.js';

/** `random` parameters (docs/baselines.md §9). */
export interface RandomParams {
  /** PRNG seed, an integer in [0, 2³²). Default 0. */
  seed: number;
}

/** Parameter specs of `random`. */
export const RANDOM_PARAM_SPECS: readonly ParamSpec[] = [
  { name: 'seed', type: 'integer', default: 0, min: 0, max: 0xffffffff, description: 'mulberry32 seed, an integer in [0, 2^32)' },
];

export { mulberry32 };

/** Largest N `random` accepts (exclusive): x·(N − i) must stay below 2⁵³. */
export const RANDOM_MAX_TOKENS = 2 ** 21;

/**
 * `random` (docs/baselines.md §9): a seeded partial Fisher–Yates shuffle with mulberry32;
 * j = i + ⌊x·(N − i)/2³²⌋, keep = sort(perm[0 … n−1]). N is the token count of the input
 * (rows of `features`, else the length of `attention`, …); N ≥ 2²¹ is an error.
 */
export function randomSelect(input: TokenInput, budget: number, raw: MethodParams = {}): Selection {
  const t0 = performance.now();
  checkBudget(budget);
  const p = resolveParams<RandomParams>('random', RANDOM_PARAM_SPECS, raw);
  const n = tokenCount(input);
  if (n >= RANDOM_MAX_TOKENS) throw new InvalidInputError('features', `random supports fewer than 2^21 tokens, got ${n}`);
  const early = trivialKeep(n, budget);
  if (early) return selection('random', n, budget, early, {}, 'cpu', t0);
  const next = mulberry32(p.seed);
  const perm = Int32Array.from({ length: n }, (_, i) => i);
  for (let i = 0; i < budget; i++) {
    const j = i + Math.floor((next() * (n - i)) / 2 ** 32);
    const tmp = perm[i];
    perm[i] = perm[j];
    perm[j] = tmp;
  }
  const keep = Array.from(perm.subarray(0, budget)).sort((a, b) => a - b);
  return selection('random', n, budget, keep, {}, 'cpu', t0);
}

/** `random` behind the {@link Method} interface. */
export const randomMethod: Method = {
  name: 'random',
  description: 'random: seeded uniform sample of n tokens (mulberry32, bit-identical across languages)',
  requires: [],
  optional: [],
  needsLayout: false,
  params: RANDOM_PARAM_SPECS,
  select: async (input, budget, params) => randomSelect(input, budget, params),
};
