import { MissingTensorError, layoutToJson, writeSafetensors, type Tensor, type TokenInput } from '@d2pruner/core';
import type { ImagePruning } from '../report.js';

/**
 * One pruned image's method input as a token file (docs/formats.md §1): `attention` (the layer-(K−1)
 * attention at layer K), `features`, `keys`, `clsAttention`, text tensors and `d2pruner.layout`,
 * `d2pruner.model`, `d2pruner.layer` metadata. Such files feed `d2pruner calibrate`, which
 * averages `attention` per position into a prior, and `d2pruner prune`. Needs a report made with
 * `captureInputs: true`.
 * @param layer the pruning layer K stored as `d2pruner.layer`
 */
export function imageTokenFile(image: ImagePruning, layer: number): Uint8Array {
  const input: TokenInput | undefined = image.input;
  if (!input) throw new MissingTensorError('input', `image ${image.image}'s report (generate with captureInputs: true)`);
  const tensors: Record<string, Tensor> = {};
  for (const name of ['features', 'keys', 'textFeatures', 'textKeys'] as const) {
    const m = input[name];
    if (m) tensors[name] = { shape: [m.rows, m.cols], data: m.data };
  }
  if (input.attention) tensors.attention = { shape: [input.attention.length], data: input.attention };
  if (input.clsAttention) tensors.clsAttention = { shape: [input.clsAttention.length], data: input.clsAttention };
  const metadata: Record<string, string> = { 'd2pruner.layer': String(layer) };
  if (input.layout) metadata['d2pruner.layout'] = JSON.stringify(layoutToJson(input.layout));
  if (input.model) metadata['d2pruner.model'] = input.model;
  return writeSafetensors(tensors, metadata);
}
