import { InvalidArgumentError } from '@d2pruner/core';

/**
 * Most scenes the Evaluate tab runs (the `max` of its Scenes box). The whole evaluation runs on the
 * page's main thread and holds every scene's file, so the count is checked before any work.
 */
export const MAX_EVAL_SCENES = 200;

/** Range of the bias strength s (the Strength box; the scene generator's own domain). */
export const EVAL_STRENGTH_RANGE: readonly [min: number, max: number] = [0, 20];

/** Throws `INVALID_ARGUMENT` (field `count`) unless `count` is a whole number in 1…{@link MAX_EVAL_SCENES}. */
export function checkSceneCount(count: number): void {
  if (!(Number.isInteger(count) && count >= 1 && count <= MAX_EVAL_SCENES)) {
    throw new InvalidArgumentError('count', `scenes must be a whole number from 1 to ${MAX_EVAL_SCENES}, got ${count}`);
  }
}

/** The Scenes box: a whole number in 1…{@link MAX_EVAL_SCENES}; an empty box, `1e6` or `2.5` is `INVALID_ARGUMENT` (field `count`). */
export function parseSceneCount(text: string): number {
  const count = Number(text);
  if (text.trim() === '' || !(Number.isInteger(count) && count >= 1 && count <= MAX_EVAL_SCENES)) {
    throw new InvalidArgumentError('count', `scenes must be a whole number from 1 to ${MAX_EVAL_SCENES}, got '${text}'`);
  }
  return count;
}

/** The Strength box: a number in {@link EVAL_STRENGTH_RANGE}; an empty box is `INVALID_ARGUMENT` (field `strength`), not 0. */
export function parseStrength(text: string): number {
  const [min, max] = EVAL_STRENGTH_RANGE;
  const strength = Number(text);
  if (text.trim() === '' || !(Number.isFinite(strength) && strength >= min && strength <= max)) {
    throw new InvalidArgumentError('strength', `strength must be a number from ${min} to ${max}, got '${text}'`);
  }
  return strength;
}
