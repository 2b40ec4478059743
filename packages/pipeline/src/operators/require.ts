import { InvalidArgumentError, type TokenInput } from '@d2pruner/core';
import type { D2PrunerProblem } from '@d2pruner/methods';
import type { PruneJob } from '../job.js';

/** The job's decoded input; a typed error naming the missing stage otherwise. */
export function requireInput(job: PruneJob, needer: string): TokenInput {
  if (!job.input) throw new InvalidArgumentError('input', `${needer} needs a decoded input: put decode() before it`);
  return job.input;
}

/** The job's validated D2Pruner problem; a typed error naming the missing stage otherwise. */
export function requireProblem(job: PruneJob, needer: string): D2PrunerProblem {
  if (!job.problem) throw new InvalidArgumentError('problem', `${needer} needs a prepared problem: put prepare() before it`);
  return job.problem;
}

/** A required intermediate field; a typed error naming the stage that produces it otherwise. */
export function requireField<K extends keyof PruneJob>(job: PruneJob, field: K, needer: string, producer: string): NonNullable<PruneJob[K]> {
  const v = job[field];
  if (v === undefined || v === null) throw new InvalidArgumentError(field, `${needer} needs '${field}': put ${producer} before it`);
  return v as NonNullable<PruneJob[K]>;
}
