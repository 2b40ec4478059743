import { assertFiniteNonNegative, InvalidInputError } from '@d2pruner/core';
import { importanceOptions, type D2PrunerProblem } from '@d2pruner/methods';
import { debiasedImportance, type DebiasName } from '@d2pruner/scoring';
import type { OperatorFunction } from 'rxjs';
import type { PruneJob } from '../job.js';
import { stage } from '../stage.js';
import { requireProblem } from './require.js';

/**
 * A custom importance signal: returns the raw score a [N] (finite, ≥ 0) of a prepared job. The
 * chosen debias strategy is then applied to it, exactly as to attention.
 */
export type Scorer = (job: PruneJob, problem: D2PrunerProblem) => ArrayLike<number>;

/** Options of {@link score}. */
export interface ScoreOptions {
  /** The raw signal; default: the problem's attention (the validated `a` of docs/algorithm.md §2). */
  scorer?: Scorer;
  /** Debias strategy; default: the problem's (`prior` when the input has a prior, else `none`). */
  debias?: DebiasName;
}

function customSignal(scorer: Scorer, job: PruneJob, p: D2PrunerProblem): Float32Array {
  const raw = scorer(job, p);
  if (raw.length !== p.n) throw new InvalidInputError('importance', `the scorer returned ${raw.length} values for ${p.n} tokens`);
  const a = raw instanceof Float32Array ? raw : Float32Array.from(raw);
  assertFiniteNonNegative('importance', a);
  return a;
}

/**
 * Stage `score`: the debiased importance I [N] of docs/algorithm.md §3 step 2, in double precision,
 * from the problem's attention or a custom {@link Scorer}, with the problem's debias strategy
 * or the one given. Sets `job.importance`.
 */
export function score(options: ScoreOptions = {}): OperatorFunction<PruneJob, PruneJob> {
  return stage('score', (job) => {
    const p = requireProblem(job, 'score');
    const a = options.scorer ? customSignal(options.scorer, job, p) : p.attention;
    const opts = importanceOptions(p, options.debias);
    return { importance: debiasedImportance(a, { ...opts, prior: opts.prior ?? job.input?.prior }) };
  });
}

/** `score` with an explicit debias strategy: `debias('none')` ranks raw attention. */
export function debias(strategy: DebiasName, options: Omit<ScoreOptions, 'debias'> = {}): OperatorFunction<PruneJob, PruneJob> {
  return score({ ...options, debias: strategy });
}
