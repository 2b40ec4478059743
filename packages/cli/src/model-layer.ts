import { InvalidArgumentError, adapterRegistry, type ModelAdapter } from '@d2pruner/core';
import { adapterById, registerBuiltinAdapters } from './adapters.js';

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

/**
 * Checks a `--layer K` given without `--model` against the model the averaged inputs record
 * (`d2pruner.model`, which `calibrate` then writes into the prior): when that names a registered
 * adapter (by id or alias), K must be at most its decoder layer count (`INVALID_ARGUMENT` naming
 * `layer`). A model no adapter knows (`unknown`, a synthetic id) leaves K unchecked beyond
 * {@link checkModelLayer}'s integer ≥ 0.
 */
export function checkRecordedModelLayer(recorded: string | undefined, layer: number | undefined): void {
  if (recorded === undefined || layer === undefined) return;
  registerBuiltinAdapters();
  const adapter = adapterRegistry.find(recorded);
  if (adapter && layer > adapter.llm.layers) {
    throw new InvalidArgumentError('layer', `--layer must be in [0, ${adapter.llm.layers}] for ${adapter.id}, the model the inputs record (d2pruner.model), got ${layer}`);
  }
}
