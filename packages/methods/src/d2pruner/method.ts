import type { Method } from '@d2pruner/core';
import { D2PRUNER_PARAM_SPECS } from './params.js';
import { d2prune } from './select.js';

/**
 * D2Pruner (arXiv 2512.19443, docs/algorithm.md): pivots by debiased attention, then a greedy maximal
 * independent set over a hybrid spatial / semantic graph of the remaining tokens.
 *
 * Where the paper is silent this implementation follows the **[choice]** points of
 * docs/algorithm.md: pivots are outside the graph; exhaustion falls back to further MIS rounds; the
 * InternVL thumbnail is its own frame.
 */
export const d2prunerMethod: Method = {
  name: 'd2pruner',
  description: 'debiased-attention pivots + greedy MIS over a spatial/semantic graph (arXiv 2512.19443; docs/algorithm.md)',
  requires: ['features', 'attention'],
  optional: ['prior'],
  needsLayout: true,
  params: D2PRUNER_PARAM_SPECS,
  select: (input, budget, params, context) => d2prune(input, budget, params, { backend: context?.backend, signal: context?.signal }),
};
