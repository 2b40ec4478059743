import type { Selection } from '@d2pruner/core';
import { greedyMis, type Fallback } from '@d2pruner/mis';
import type { OperatorFunction } from 'rxjs';
import type { PruneJob } from '../job.js';
import { stage } from '../stage.js';
import { requireField, requireProblem } from './require.js';

/** Options of {@link selectMIS}. */
export interface SelectMisOptions {
  /** Exhaustion fallback; default: the problem's `fallback` parameter. */
  fallback?: Fallback;
}

/** Stage times that make up a D2Pruner selection's `totalMs`. */
const STAGE_KEYS = ['prepareMs', 'scoreMs', 'pivotsMs', 'graphMs', 'misMs'] as const;

/**
 * The D2Pruner selection (docs/formats.md §2) of a job whose pivots and picks are known: `keep` =
 * pivots ∪ picks sorted ascending, `pivots` sorted, `picks` in pick order.
 */
export function d2prunerSelection(job: PruneJob, picks: number[], rounds: number, backend: string, extra: Record<string, number> = {}): Selection {
  const pivots = Array.from(requireField(job, 'pivots', 'the selection', 'selectPivots()'));
  const timings: Record<string, number> = {};
  let total = 0;
  for (const k of STAGE_KEYS) {
    const v = job.timings[k];
    if (v !== undefined) {
      timings[k] = v;
      total += v;
    }
  }
  return {
    method: 'd2pruner',
    n: requireProblem(job, 'the selection').n,
    budget: requireProblem(job, 'the selection').budget,
    keep: [...pivots, ...picks].sort((a, b) => a - b),
    pivots: pivots.sort((a, b) => a - b),
    picks,
    rounds,
    backend,
    timings: { ...timings, ...extra, totalMs: total + (extra.misMs ?? 0) },
  };
}

/**
 * Stage `selectMIS` (docs/algorithm.md §3 steps 6–8): the greedy maximal independent set of
 * `@d2pruner/mis` over the candidates in importance order, m picks, with the rounds or
 * importance fallback; then the selection. Sets `picks`, `rounds` and `selection`.
 */
export function selectMIS(options: SelectMisOptions = {}): OperatorFunction<PruneJob, PruneJob> {
  return stage('mis', (job) => {
    const p = requireProblem(job, 'selectMIS');
    const candidates = requireField(job, 'candidates', 'selectMIS', 'selectPivots()');
    const m = requireField(job, 'm', 'selectMIS', 'selectPivots()');
    const t0 = performance.now();
    if (m === 0) return { picks: [], rounds: 0, selection: d2prunerSelection(job, [], 0, 'cpu', { misMs: 0, visited: 0 }) };
    const graph = requireField(job, 'graph', 'selectMIS', 'buildGraph()');
    const mis = greedyMis(candidates, m, graph, options.fallback ?? p.params.fallback, p.n);
    const extra = { misMs: performance.now() - t0, visited: mis.visited };
    return { picks: mis.picks, rounds: mis.rounds, selection: d2prunerSelection(job, mis.picks, mis.rounds, graph.backend ?? 'cpu', extra) };
  });
}
