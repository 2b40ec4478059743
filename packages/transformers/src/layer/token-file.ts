import { MissingTensorError, layoutToJson, writeSafetensors, type Tensor, type TokenInput } from '@d2pruner/core';
import type { ImagePruning } from '../report.js';

/**
 * One pruned image's method input as a token file (docs/formats.md §1): `attention` (the layer-(K−1)
 * attention at layer K, `image.attention`, even when the method ranked by CLS attention or
 * relevance; else the method's own attention input), `features`, `keys`, `clsAttention`, text tensors and `d2pruner.layout`,
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
  // the layer-(K−1) attention when the report has it (K ≥ 1), whatever importance the method used
  // (CLS attention or relevance would otherwise be saved as attention and averaged into a prior)
  const attention = image.attention ?? input.attention;
  if (attention) tensors.attention = { shape: [attention.length], data: attention };
  if (input.clsAttention) tensors.clsAttention = { shape: [input.clsAttention.length], data: input.clsAttention };
  const metadata: Record<string, string> = { 'd2pruner.layer': String(layer) };
  if (input.layout) metadata['d2pruner.layout'] = JSON.stringify(layoutToJson(input.layout));
  if (input.model) metadata['d2pruner.model'] = input.model;
  return writeSafetensors(tensors, metadata);
}
