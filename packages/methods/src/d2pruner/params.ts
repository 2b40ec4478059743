import type { ParamSpec } from '@d2pruner/core';

/** D2Pruner parameters (docs/algorithm.md §2), API names. */
export interface D2PrunerParams {
  /** Fraction of the budget given to pivots, in [0, 1]. Default 0.7. */
  pivotRatio: number;
  /** Edge threshold. Default 0.8. */
  theta: number;
  /** Weight of semantic similarity in the edge rule, in [0, 1]. Default 1 (0.5 for localization). */
  alpha: number;
  /** Chebyshev radius of spatial adjacency, integer ≥ 0. Default 1. */
  radius: number;
  /** Stabiliser of the debias division. Default 1e-7. */
  eps: number;
  /** Exhaustion fallback of the MIS. Default `rounds`. */
  fallback: 'rounds' | 'importance';
  /** Debias strategy; default `prior` when a prior is given, else `none`. */
  debias?: 'prior' | 'none' | 'rope' | 'trend';
  /** Decay rate of the `trend` strategy (fitted from the prior when absent). */
  trendBeta?: number;
  /** Strategy `rope`: head dimension. Default 128. */
  ropeHeadDim: number;
  /** Strategy `rope`: RoPE base. Default 10000. */
  ropeBase: number;
  /** Strategy `rope`: sequence position of visual token 0. Default 35 (LLaVA-1.5). */
  visualStart: number;
  /** Strategy `rope`: sequence position of the query token; default visualStart + N + 40. */
  queryPosition?: number;
  /** Graph form: `lazy` (default on CPU), `dense`, or `auto` (dense when a GPU backend is requested). */
  graph: 'auto' | 'lazy' | 'dense';
}

/** Parameter specs of D2Pruner, with the defaults of docs/algorithm.md §2. */
export const D2PRUNER_PARAM_SPECS: readonly ParamSpec[] = [
  { name: 'pivotRatio', type: 'number', default: 0.7, min: 0, max: 1, description: 'fraction of the budget taken as pivots by debiased importance' },
  { name: 'theta', type: 'number', default: 0.8, description: 'edge threshold of the hybrid graph' },
  { name: 'alpha', type: 'number', default: 1, min: 0, max: 1, description: 'semantic weight of the edge rule (0.5 for localization)' },
  { name: 'radius', type: 'integer', default: 1, min: 0, description: 'Chebyshev radius of spatial adjacency' },
  { name: 'eps', type: 'number', default: 1e-7, min: 0, description: 'stabiliser of a / (prior + eps)' },
  { name: 'fallback', type: 'string', default: 'rounds', enum: ['rounds', 'importance'], description: 'what fills the budget when a MIS round runs out' },
  {
    name: 'debias',
    type: 'string',
    enum: ['prior', 'none', 'rope', 'trend'],
    defaultNote: 'prior when a prior is given, else none',
    description: 'how attention is debiased before ranking',
  },
  { name: 'trendBeta', type: 'number', defaultNote: 'fitted from the prior', description: 'decay rate of the trend strategy' },
  { name: 'ropeHeadDim', type: 'integer', default: 128, min: 2, max: 4096, description: 'rope strategy: head dimension' },
  { name: 'ropeBase', type: 'number', default: 10000, min: 1, description: 'rope strategy: RoPE base' },
  { name: 'visualStart', type: 'integer', default: 35, min: 0, max: 2 ** 24, description: 'rope strategy: sequence position of visual token 0' },
  { name: 'queryPosition', type: 'integer', min: 0, max: 2 ** 24, defaultNote: 'visualStart + N + 40', description: 'rope strategy: sequence position of the query token' },
  { name: 'graph', type: 'string', default: 'auto', enum: ['auto', 'lazy', 'dense'], description: 'lazy neighbour queries or the dense similarity matrix' },
];
