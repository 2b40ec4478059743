import { splitPivots } from '@d2pruner/methods';
import { rankOrder } from '@d2pruner/scoring';
import type { OperatorFunction } from 'rxjs';
import type { PruneJob } from '../job.js';
import { stage } from '../stage.js';
import { requireProblem } from './require.js';

/** Pivot count n_p = min(n, ⌊pivotRatio·n + 1e-9⌋) (d2pruner.md §3 step 4). */
export function pivotCount(budget: number, pivotRatio: number): number {
  return Math.min(budget, Math.floor(pivotRatio * budget + 1e-9));
}

/**
 * Stage `selectPivots` (d2pruner.md §3 steps 3–4): ranks tokens by `job.importance` (descending,
 * ties → lower index) and splits the order into pivots and candidates. Without a preceding
 * `score` it runs `@d2pruner/methods`' `splitPivots` on the problem. Sets `order`, `pivots`,
 * `candidates` and `m`.
 */
export function selectPivots(): OperatorFunction<PruneJob, PruneJob> {
  return stage('pivots', (job) => {
    const p = requireProblem(job, 'selectPivots');
    if (!job.importance) {
      const { order, pivots, candidates, m } = splitPivots(p);
      return { order, pivots, candidates, m };
    }
    const order = rankOrder(job.importance);
    const np = pivotCount(p.budget, p.params.pivotRatio);
    return { order, pivots: order.slice(0, np), candidates: order.slice(np), m: p.budget - np };
  });
}
