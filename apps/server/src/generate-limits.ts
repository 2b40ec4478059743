import { InvalidInputError } from '@d2pruner/core';
import { getMethod } from '@d2pruner/methods';
import type { GenerateSpec } from './input/generate-request.js';
import { checkParamLimits, type RequestLimits } from './limits.js';

/** Parameters that name a sequence position of the model's own prompt (the rope prior's cost grows with them). */
const POSITION_PARAMS: readonly string[] = ['queryPosition', 'visualStart'];

/**
 * Checks the method parameters of a `POST /v1/generate` request before any inference. The
 * pruning of a generation runs on the event loop (inside the model's prefill), not in the worker
 * pool, and nothing can stop it midway: so the bounds of `POST /v1/prune` apply
 * ({@link checkParamLimits}), and the positions (`queryPosition`, `visualStart`) must also lie
 * within the model's context (`maxPositions`, its `max_position_embeddings`), where a rope prior
 * costs a few ms (at `--max-sequence` positions it held the event loop about a second).
 * 422 `INVALID_INPUT` naming the parameter.
 */
export function checkGenerateLimits(spec: Pick<GenerateSpec, 'method' | 'params'>, limits: RequestLimits, maxPositions: number | undefined): void {
  if (spec.method === null) return;
  checkParamLimits(getMethod(spec.method), spec.params, limits);
  if (maxPositions === undefined) return;
  for (const name of POSITION_PARAMS) {
    const v = spec.params[name];
    if (typeof v === 'number' && v >= maxPositions) throw new InvalidInputError(name, `${name} is ${v}; the model's positions are 0…${maxPositions - 1} (max_position_embeddings)`);
  }
}
