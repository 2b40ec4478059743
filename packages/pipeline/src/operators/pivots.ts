import { splitByImportance, splitPivots } from '@d2pruner/methods';
import type { OperatorFunction } from 'rxjs';
import type { PruneJob } from '../job.js';
import { stage } from '../stage.js';
import { requireProblem } from './require.js';

/**
 * Stage `selectPivots` (docs/algorithm.md §3 steps 3–4): ranks tokens by `job.importance` (descending,
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
    const { order, pivots, candidates, m } = splitByImportance(job.importance, p.budget, p.params.pivotRatio);
    return { order, pivots, candidates, m };
  });
}
