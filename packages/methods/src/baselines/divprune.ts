import { resolveParams, type Method, type MethodContextBase, type MethodParams, type ParamSpec, type Selection, type TokenInput } from '@d2pruner/core';
import { rowNorms64, storeFor } from '@d2pruner/kernels';
import { argmaxUnselected, checkAborted, checkBudget, checkFiniteMatrix, releasingStores, requireMatrix, selection, sortedIndices, trivialKeep } from './common.js';
import { KernelDispatch } from './dispatch.js';
import { farthestRow } from './farthest.js';
import { farthestRowScreened } from './farthest-screened.js';
import { LazyMaxMin } from './lazy-maxmin.js';

/** DivPrune has no parameters (the official SUBSET_RATIO is the caller's budget). */
export const DIVPRUNE_PARAM_SPECS: readonly ParamSpec[] = [];

/**
 * DivPrune (docs/baselines.md §4, `vbdi/divprune`): max–min diversity over the features with
 * d = 1 − cos. First pick = the token with the largest nearest-neighbour distance; then
 * repeatedly the unselected token farthest from the selected set (ties → lowest index).
 * On the CPU the greedy is lazy (`LazyMaxMin`: stale max–min distances are upper bounds,
 * only the top of a heap is brought up to date, with exact double distances); a named GPU
 * backend runs one `maxMinUpdate` kernel per pick (O(n·N·D)). The first pick scans pairs with
 * early abandoning on the CPU, or runs `maxSimilarity` on a named GPU backend.
 *
 * Deviations: **[DEV-DivPrune-distinct]** selected tokens are excluded from later picks (the
 * official may re-pick one when tokens are exact duplicates); **[DEV-zero]** cosine with a zero
 * row is 0 (official: NaN); **[DEV-ties]**. Diagnostic `order` = selection order.
 */
export async function divprune(input: TokenInput, budget: number, params: MethodParams = {}, context: MethodContextBase = {}): Promise<Selection> {
  const t0 = performance.now();
  checkBudget(budget);
  resolveParams('divprune', DIVPRUNE_PARAM_SPECS, params);
  const h = requireMatrix(input, 'features', 'divprune');
  checkFiniteMatrix('features', h);
  const n = h.rows;
  const early = trivialKeep(n, budget);
  if (early) return selection('divprune', n, budget, early, { order: early.slice() }, 'cpu', t0);

  const dispatch = new KernelDispatch(context.backend);
  const norms = rowNorms64(h.data, n, h.cols);
  let first: number;
  const cpuOnly = await dispatch.cpuOnly();
  if (cpuOnly) {
    const store = storeFor(h.data, h.cols);
    first = ((store && farthestRowScreened(store, n, h.cols, norms)) ?? farthestRow(h.data, n, h.cols, norms)).index;
    dispatch.noteCpu();
  } else {
    const all = Int32Array.from({ length: n }, (_, i) => i);
    const maxCos = await dispatch.run('maxSimilarity', { x: h.data, rows: n, cols: h.cols, norms, queries: all, candidates: all });
    first = 0;
    let best = -Infinity;
    for (let j = 0; j < n; j++) {
      const d = 1 - maxCos[j];
      if (d > best) {
        best = d;
        first = j;
      }
    }
  }
  const t1 = performance.now();
  const order = [first];
  const selected = new Uint8Array(n);
  selected[first] = 1;
  if (cpuOnly) {
    const greedy = new LazyMaxMin(h, norms, first);
    while (order.length < budget) {
      checkAborted(context.signal);
      const j = greedy.next(order);
      order.push(j);
      selected[j] = 1;
    }
    const t2 = performance.now();
    return selection('divprune', n, budget, sortedIndices(order), { order }, dispatch.backend, t0, {
      firstMs: t1 - t0,
      greedyMs: t2 - t1,
      refreshes: greedy.refreshes,
      dots: greedy.dotCount,
    });
  }
  let minDist: Float64Array = new Float64Array(n).fill(Infinity);
  if (budget > 1) minDist = await dispatch.run('maxMinUpdate', { x: h.data, rows: n, cols: h.cols, norms, j: first, minDist });
  while (order.length < budget) {
    checkAborted(context.signal);
    const [j] = argmaxUnselected(minDist, selected);
    order.push(j);
    selected[j] = 1;
    if (order.length < budget) minDist = await dispatch.run('maxMinUpdate', { x: h.data, rows: n, cols: h.cols, norms, j, minDist });
  }
  const t2 = performance.now();
  return selection('divprune', n, budget, sortedIndices(order), { order }, dispatch.backend, t0, { firstMs: t1 - t0, greedyMs: t2 - t1 });
}

/** DivPrune behind the {@link Method} interface. */
export const divpruneMethod: Method = {
  name: 'divprune',
  description: 'DivPrune: max–min diversity of features, d = 1 − cos (docs/baselines.md §4)',
  requires: ['features'],
  optional: [],
  needsLayout: false,
  params: DIVPRUNE_PARAM_SPECS,
  select: (input, budget, params, context) => releasingStores(input, () => divprune(input, budget, params, context)),
};
