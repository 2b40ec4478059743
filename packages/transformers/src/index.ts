/**
 * @d2pruner/transformers — visual-token pruning inside transformers.js (ONNX Runtime)
 * generation for LLaVA-family models: `withPruning(model, processor, { method, keep })` prunes
 * at the point where image features are merged into the text embeddings (pre-LLM, K = 0).
 * Importing this package loads nothing from transformers.js; `loadLocalLlava` does, on demand.
 * @packageDocumentation
 */
export * from './types.js';
export * from './model-check.js';
export * from './importance.js';
export * from './options.js';
export * from './report.js';
export * from './sequence.js';
export * from './select.js';
export * from './tensors.js';
export * from './vision.js';
export { withPruning, type PrunedModel } from './patch.js';
export * from './load.js';
export * from './generate.js';
export * from './split/index.js';
export * from './cost.js';
export * from './merge.js';
export * from './layer/split-decoder.js';
export * from './layer/split-providers.js';
export * from './layer/split-generate.js';
export * from './layer/token-file.js';
export * from './layer/signals.js';
export * from './layer/logits.js';
export type { AbortSignalLike } from './abort.js';
