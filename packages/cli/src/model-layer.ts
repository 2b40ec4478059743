import { InvalidArgumentError, type ModelAdapter } from '@d2pruner/core';
import { adapterById } from './adapters.js';

/**
 * Checks `--model ID` and `--layer K` before they are recorded anywhere: the model must be a
 * registered adapter (`UNKNOWN_NAME` naming `adapter` otherwise, as `prune --model` does) and the
 * layer an integer in [0, L] for that model's L decoder layers (as `flops` checks it), or any
 * safe integer ≥ 0 when no model is given (`INVALID_ARGUMENT` naming `layer`). Returns the
 * adapter when a model was given.
 */
export function checkModelLayer(model: string | undefined, layer: number | undefined): ModelAdapter | undefined {
  const adapter = model === undefined ? undefined : adapterById(model);
  if (layer === undefined) return adapter;
  if (!Number.isSafeInteger(layer) || layer < 0) throw new InvalidArgumentError('layer', `--layer must be an integer ≥ 0, got ${layer}`);
  if (adapter && layer > adapter.llm.layers) throw new InvalidArgumentError('layer', `--layer must be in [0, ${adapter.llm.layers}] for ${adapter.id}, got ${layer}`);
  return adapter;
}
