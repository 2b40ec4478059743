import { InvalidArgumentError, MissingTensorError, resolveBudget, tokenCount, type TokenInput } from '@d2pruner/core';
import { d2pruneLazy, getMethod, prepareD2Pruner } from '@d2pruner/methods';
import type { OperatorFunction } from 'rxjs';
import type { PruneJob } from '../job.js';
import { stage } from '../stage.js';
import { requireInput } from './require.js';

/** Options of {@link prepare}. */
export interface PrepareOptions {
  /**
   * Which tensor is the importance signal `a` that D2Pruner validates and ranks: `attention`
   * (last prompt token → visual, the default) or `clsAttention` (the vision tower's CLS row).
   */
  signal?: 'attention' | 'clsAttention';
}

function withSignal(input: TokenInput, signal: 'attention' | 'clsAttention'): TokenInput {
  if (signal === 'attention') return input;
  if (!input.clsAttention) throw new MissingTensorError('clsAttention', 'prepare({ signal: "clsAttention" })');
  return { ...input, attention: input.clsAttention };
}

/**
 * Stage `prepare`: resolves the budget (`keep` or `ratio` of N) and validates the input and
 * parameters for D2Pruner with `@d2pruner/methods`' `prepareD2Pruner` (every invalid value is a
 * typed error naming the field). Trivial budgets (n = 0 or n ≥ N) are answered here
 * (docs/algorithm.md §3 step 1), so the steps that follow pass the job through.
 */
export function prepare(options: PrepareOptions = {}): OperatorFunction<PruneJob, PruneJob> {
  const signal = options.signal ?? 'attention';
  return stage('prepare', (job) => {
    const method = job.request.method;
    if (method !== undefined && getMethod(method).name !== 'd2pruner') {
      throw new InvalidArgumentError('method', `the D2Pruner stages run 'd2pruner', but the request asks for '${method}'; use prune() for other methods`);
    }
    const decoded = requireInput(job, 'prepare');
    const input = withSignal(job.layout && !decoded.layout ? { ...decoded, layout: job.layout } : decoded, signal);
    const budget = resolveBudget({ keep: job.request.keep, ratio: job.request.ratio }, tokenCount(input));
    const params = job.request.params ?? {};
    const problem = prepareD2Pruner(input, budget, params);
    if (budget === 0 || budget >= problem.n) return { budget, problem, selection: d2pruneLazy(input, budget, params) };
    return { budget, problem };
  });
}
