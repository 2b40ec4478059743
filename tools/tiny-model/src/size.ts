import { InvalidArgumentError } from '@d2pruner/core';
import { IMAGE_TOKENS, PATCH_SIZE, type TinyModelConfig } from './options.js';

/**
 * Most weight bytes one generated graph may hold: the graphs keep their weights inline, and an
 * ONNX protobuf cannot exceed 2 GiB (16 MiB are left for the graph structure).
 */
export const MAX_GRAPH_WEIGHT_BYTES = 2 ** 31 - 2 ** 24;

const GB = (bytes: number) => `${(bytes / 2 ** 30).toFixed(1)} GiB`;

function check(field: string, what: string, bytes: number, advice: string): void {
  if (bytes > MAX_GRAPH_WEIGHT_BYTES) {
    throw new InvalidArgumentError(field, `${what} would hold ${GB(bytes)} of float32 weights, over the ${GB(MAX_GRAPH_WEIGHT_BYTES)} an ONNX file can hold inline; ${advice}`);
  }
}

/**
 * Checks, before anything is generated or written, that every graph of a tiny model with these
 * sizes fits one ONNX protobuf: a single weight matrix too large names its dimension (`hidden`,
 * `intermediate`, `visionHidden`), a decoder or vision tower too large in total names `layers` /
 * `visionLayers` (INVALID_ARGUMENT). Without it a large size ran out of memory or failed with a
 * raw RangeError after half the files were written.
 * @param vocabSize the tokenizer's vocabulary size V
 */
export function checkTinyModelSize(c: TinyModelConfig, vocabSize: number): void {
  const d = c.hidden;
  const m = c.intermediate;
  const D = c.visionHidden;
  const f = 4;
  // hidden is to blame when even the default intermediate (3·hidden) would not fit
  const byHidden = Math.max(3 * d * d, d * vocabSize) * f > MAX_GRAPH_WEIGHT_BYTES;
  check(byHidden ? 'hidden' : 'intermediate', 'one decoder weight matrix', Math.max(d * m, d * d, d * vocabSize) * f, 'lower --hidden / --intermediate');
  check('visionHidden', 'one vision weight matrix', Math.max(4 * D * D, D * d) * f, 'lower --vision-hidden');
  check('hidden', 'the projector', d * d * f, 'lower --hidden');
  const decoder = (c.layers * (4 * d * d + 3 * d * m + 2 * d) + d * vocabSize + d + d / 2) * f;
  check('layers', `the decoder (${c.layers} layers)`, decoder, 'lower --layers, --hidden or --intermediate');
  const vision = (3 * PATCH_SIZE * PATCH_SIZE * D + (IMAGE_TOKENS + 2) * D + 2 * D + c.visionLayers * (12 * D * D + 13 * D + 4 * D) + D * d + d * d + 2 * d) * f;
  check('visionLayers', `the vision encoder (${c.visionLayers} layers)`, vision, 'lower --vision-layers, --vision-hidden or --hidden');
}
