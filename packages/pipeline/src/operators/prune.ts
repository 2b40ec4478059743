import { resolveBudget, tokenCount, type BudgetSpec, type HelperThread, type MethodParams } from '@d2pruner/core';
import { getMethod } from '@d2pruner/methods';
import { map, type OperatorFunction } from 'rxjs';
import { isFailed, type PruneJob } from '../job.js';
import { stage } from '../stage.js';
import { requireInput } from './require.js';

/** The method every pipeline runs when neither the request nor the caller names one. */
export const DEFAULT_METHOD = 'd2pruner';

/** Options of {@link prune}. */
export interface PruneOptions {
  /** Parameters for requests that give none (a request's `params` replace these, not merge). */
  params?: MethodParams;
  /** Budget for requests that give neither `keep` nor `ratio`. */
  budget?: BudgetSpec;
  /**
   * Called with a job's backend name before the method runs, e.g. to load an optional GPU
   * backend on first use (the CLI's `ensureBackend`). Rejecting fails the job.
   */
  ensureBackend?: (backend: string) => Promise<void>;
  /**
   * A thread the methods may use beside this one for a request (CDPruner's screen helper; Node:
   * `helperThread()` of `@d2pruner/pipeline/node`). Leave it out where other threads already
   * fill the cores, as in a worker pool.
   */
  helper?: HelperThread;
}

/**
 * Stage `prune`: runs a whole registered method (`@d2pruner/methods`' `getMethod`: built-ins and
 * anything added through `registerMethod`) on the decoded input. The method is the request's,
 * else `method`, else `d2pruner`; the budget is the request's `keep` or `ratio` of N; the backend
 * is the request's (see {@link withBackend}), else `auto`. The stage's abort signal is passed to
 * the method, so unsubscribing cancels work that honours it. Sets `budget` and `selection`.
 */
export function prune(method?: string, options: PruneOptions = {}): OperatorFunction<PruneJob, PruneJob> {
  return stage(
    'prune',
    async (job, { signal }) => {
      const input = requireInput(job, 'prune');
      const m = getMethod(job.request.method ?? method ?? DEFAULT_METHOD);
      const hasBudget = job.request.keep !== undefined || job.request.ratio !== undefined;
      const spec = hasBudget ? { keep: job.request.keep, ratio: job.request.ratio } : (options.budget ?? {});
      const budget = resolveBudget(spec, tokenCount(input));
      const backend = job.request.backend ?? 'auto';
      if (options.ensureBackend) await options.ensureBackend(backend);
      const withLayout = job.layout && !input.layout ? { ...input, layout: job.layout } : input;
      const selection = await m.select(withLayout, budget, job.request.params ?? options.params ?? {}, { backend, signal, helper: options.helper });
      return { budget, selection };
    },
    { skipFinished: false },
  );
}

/**
 * Sets the kernel backend (`auto`, `cpu`, `webgpu`, …) of every job whose request names none:
 * the command line's `--backend`, which a batch line's own `backend` overrides (docs/formats.md §3).
 * With `force`, it replaces the requests' choices too. Failed jobs pass untouched.
 */
export function withBackend(backend: string, options: { force?: boolean } = {}): OperatorFunction<PruneJob, PruneJob> {
  return map((job) => (!isFailed(job) && (job.request.backend === undefined || options.force) ? { ...job, request: { ...job.request, backend } } : job));
}
