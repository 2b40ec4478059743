import { InvalidInputError, checkPriorKey, describeLayout, layoutSignature, modelNames, type Layout, type PriorKeyCheck } from '@d2pruner/core';
import type { OperatorFunction } from 'rxjs';
import type { PruneJob } from '../job.js';
import { stage } from '../stage.js';
import { requireInput } from './require.js';

/** Throws INVALID_INPUT naming `prior` unless `layout` has the prior's layout signature. */
export function checkPriorLayout(priorSignature: string, layout: Layout): void {
  const actual = layoutSignature(layout);
  if (actual !== priorSignature) {
    throw new InvalidInputError('prior', `the prior was calibrated on layout ${priorSignature}, but this input's layout is ${actual} (${describeLayout(layout)}); calibrate a prior for this layout`);
  }
}

/**
 * The key a prior was calibrated on (docs/algorithm.md §6), as {@link withPrior} checks it: the
 * layout signature and what the prior file records of model and layer. Unset parts are not checked.
 */
export interface PriorCheck extends PriorKeyCheck {
  /** The prior file's `d2pruner.layoutSignature`. */
  layoutSignature?: string;
}

/**
 * Gives every decoded input a positional prior (a calibrated one shared by a stream of frames,
 * or one chosen per job), replacing the input's own. Put it after `decode` and before `prepare`
 * or `prune`; the method validates the prior's length and values. A prior is keyed by model,
 * layer and layout signature (docs/algorithm.md §6), and `check` gives what the prior file
 * records of them (a string: the layout signature only). A job fails with INVALID_INPUT naming
 * `prior` when its layout has another signature (another layout with the same N would silently
 * get the wrong positions), when its input records another model (`d2pruner.model`, compared
 * through the adapter registry: aliases and case match), or another layer (`d2pruner.layer`);
 * a part the prior or the input does not record is not checked.
 */
export function withPrior(prior: Float32Array | ((job: PruneJob) => Float32Array | undefined), check?: string | PriorCheck): OperatorFunction<PruneJob, PruneJob> {
  const key: PriorCheck = typeof check === 'string' ? { layoutSignature: check } : (check ?? {});
  return stage(
    'withPrior',
    (job) => {
      const input = requireInput(job, 'withPrior');
      const p = typeof prior === 'function' ? prior(job) : prior;
      if (!p) return {};
      if (key.layoutSignature !== undefined && job.layout) checkPriorLayout(key.layoutSignature, job.layout);
      checkPriorKey(key, input);
      return { input: { ...input, prior: p } };
    },
    { timed: false },
  );
}

/**
 * Every name the prior's model goes by, lower-cased: the options' own `priorModelNames`, else
 * `priorModel` resolved through this thread's adapter registry (undefined without a model). A
 * worker pool resolves them on the calling thread, where the adapters are registered.
 */
export function priorModelNamesOf(options: { priorModel?: string; priorModelNames?: readonly string[] }): readonly string[] | undefined {
  return options.priorModelNames ?? (options.priorModel === undefined ? undefined : modelNames(options.priorModel));
}

/** The {@link PriorCheck} of options that give the prior's key part by part (`priorLayout`, `priorModel`, …). */
export function priorCheckOf(options: { priorLayout?: string; priorModel?: string; priorModelNames?: readonly string[]; priorLayer?: number }): PriorCheck {
  const check: PriorCheck = {};
  if (options.priorLayout !== undefined) check.layoutSignature = options.priorLayout;
  if (options.priorModel !== undefined) check.model = options.priorModel;
  if (options.priorModelNames !== undefined) check.modelNames = options.priorModelNames;
  if (options.priorLayer !== undefined) check.layer = options.priorLayer;
  return check;
}
