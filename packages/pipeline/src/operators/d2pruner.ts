import { pipe, type OperatorFunction } from 'rxjs';
import type { PruneJob } from '../job.js';
import { buildGraph, type BuildGraphOptions } from './graph.js';
import { selectMIS, type SelectMisOptions } from './mis.js';
import { selectPivots } from './pivots.js';
import { prepare, type PrepareOptions } from './prepare.js';
import { score, type ScoreOptions } from './score.js';

/** Options of {@link d2prunerStages}: those of each stage. */
export type D2PrunerStagesOptions = PrepareOptions & ScoreOptions & BuildGraphOptions & SelectMisOptions;

/**
 * D2Pruner as its five stages, `prepare → score → selectPivots → buildGraph → selectMIS`: the
 * same selection as `d2prune`, index for index, with every intermediate result on the job. Start
 * from this and replace or insert stages (see docs/pipelines.md).
 */
export function d2prunerStages(options: D2PrunerStagesOptions = {}): OperatorFunction<PruneJob, PruneJob> {
  return pipe(prepare(options), score(options), selectPivots(), buildGraph(options), selectMIS(options));
}
