import { InvalidInputError, MissingTensorError, assertInRange, assertNumber, assertOneOf } from '@d2pruner/core';
import { assertScores } from './check-scores.js';
import { ropePrior, type RopeOptions } from './rope.js';
import { fitTrendBeta } from './trend.js';

/** Debias strategies (docs/algorithm.md §6). */
export type DebiasName = 'prior' | 'none' | 'rope' | 'trend';

/** Every debias strategy name. */
export const DEBIAS_NAMES: readonly DebiasName[] = ['prior', 'none', 'rope', 'trend'];

/** Options of {@link debiasedImportance}. */
export interface DebiasOptions {
  /** Strategy; default `prior` when a prior is given, else `none`. */
  debias?: DebiasName;
  /** Positional prior b [N] (strategy `prior`; `trend` fits β from it when `trendBeta` is absent). */
  prior?: Float32Array;
  /** Stabiliser of the division, default 1e-7. */
  eps?: number;
  /** Strategy `rope`: RoPE geometry of the model. */
  rope?: RopeOptions;
  /** Strategy `trend`: decay rate β; fitted from `prior` when absent. */
  trendBeta?: number;
}

/** Resolves the effective strategy: explicit, else `prior` when a prior exists, else `none`. */
export function resolveDebias(options: DebiasOptions): DebiasName {
  if (options.debias === undefined) return options.prior ? 'prior' : 'none';
  assertOneOf('debias', options.debias, DEBIAS_NAMES);
  return options.debias;
}

/**
 * Debiased importance I [N] from attention a [N] (docs/algorithm.md §3 step 2 and §6). Computed in
 * double precision. The caller validates `attention` (finite, ≥ 0).
 */
export function debiasedImportance(attention: Float32Array, options: DebiasOptions = {}): Float64Array {
  assertScores('attention', attention);
  if (typeof options !== 'object' || options === null) throw new InvalidInputError('options', 'the debias options must be an object');
  const eps = options.eps ?? 1e-7;
  assertNumber('eps', eps);
  const n = attention.length;
  const out = new Float64Array(n);
  const strategy = resolveDebias(options);
  switch (strategy) {
    case 'none':
      for (let i = 0; i < n; i++) out[i] = attention[i];
      return out;
    case 'prior': {
      const b = options.prior;
      if (!b) throw new MissingTensorError('prior', "debias 'prior'");
      checkPrior(b, n, eps);
      for (let i = 0; i < n; i++) out[i] = attention[i] / (b[i] + eps);
      return out;
    }
    case 'rope': {
      if (!options.rope) throw new InvalidInputError('rope', "debias 'rope' needs the model's RoPE geometry (head dim, base, positions)");
      const p = ropePrior(options.rope, n);
      for (let i = 0; i < n; i++) out[i] = attention[i] / (p[i] + eps);
      return out;
    }
    case 'trend': {
      let beta = options.trendBeta;
      if (beta === undefined) {
        if (!options.prior) throw new MissingTensorError('prior', "debias 'trend' without trendBeta");
        checkPrior(options.prior, n, eps);
        beta = fitTrendBeta([options.prior]);
      }
      assertNumber('trendBeta', beta);
      for (let i = 0; i < n; i++) out[i] = attention[i] * Math.exp(-beta * i);
      return out;
    }
  }
}

/** Checks a prior against N and the spec's domain (finite, > −eps). */
export function checkPrior(prior: Float32Array, n: number, eps: number): void {
  if (prior.length !== n) throw new InvalidInputError('prior', `prior has ${prior.length} entries but there are ${n} visual tokens`);
  for (let i = 0; i < n; i++) {
    const v = prior[i];
    if (!Number.isFinite(v)) throw new InvalidInputError('prior', `prior[${i}] is ${v}; every value must be finite`);
    if (v <= -eps) throw new InvalidInputError('prior', `prior[${i}] is ${v}; a prior must be > −eps`);
  }
}

/** Checks that `eps` is a finite non-negative number. */
export function checkEps(eps: number): void {
  assertInRange('eps', eps, 0, Number.MAX_VALUE);
}
