import { InvalidInputError, toErrorJson } from '@d2pruner/core';
import { of, type OperatorFunction } from 'rxjs';
import { createJob, type PruneJob, type PruneRequest } from '../../src/index.js';
import { makeScene, type SceneOptions } from './scenes.js';

/** Runs synchronous stages on one job and returns the result (throws if they did not emit synchronously). */
export function runSync(job: PruneJob, ...ops: OperatorFunction<PruneJob, PruneJob>[]): PruneJob {
  let out: PruneJob | undefined;
  let source = of(job);
  for (const op of ops) source = source.pipe(op);
  source.subscribe((j) => (out = j)).unsubscribe();
  if (!out) throw new InvalidInputError('stages', 'the stages did not emit synchronously');
  return out;
}

/** A job over a generated scene with attention peak `peak`. */
export function sceneJob(index: number, scene: SceneOptions & { peak: number }, request: Omit<PruneRequest, 'input'> = { keep: 10 }): PruneJob {
  return createJob({ input: makeScene({ seed: 100 + index, ...scene }), ...request }, index);
}

/** A job that already failed. */
export function failedJob(index: number): PruneJob {
  return { ...createJob({ input: 'x.safetensors', keep: 1 }, index), error: toErrorJson(new InvalidInputError('attention', 'bad')) };
}

/** Index of the largest value (first on ties). */
export function argmax(values: ArrayLike<number>): number {
  let best = 0;
  for (let i = 1; i < values.length; i++) if (values[i] > values[best]) best = i;
  return best;
}
