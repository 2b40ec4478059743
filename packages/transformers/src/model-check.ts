import { InvalidArgumentError, InvalidInputError } from '@d2pruner/core';
import type { LlavaModelLike } from './types.js';

/**
 * `config.model_type` values whose transformers.js class merges image features through
 * `LlavaForConditionalGeneration._merge_input_ids_with_image_features` (4.3.x: `llava`,
 * `llava_onevision` and `moondream1`/`llava_qwen2`, which reuse the LLaVA class).
 */
export const SUPPORTED_MODEL_TYPES: readonly string[] = ['llava', 'llava_onevision', 'llava_qwen2', 'moondream1'];

const METHODS = ['forward', 'encode_text', 'encode_image', '_merge_input_ids_with_image_features'] as const;

/**
 * Checks that `model` is a loaded transformers.js LLaVA-family model and returns it typed.
 * Throws `InvalidArgumentError` (field `model`) naming the model type found and the ones
 * supported, or the missing part, so a wrong model fails before any inference.
 */
export function asLlavaModel(model: unknown): LlavaModelLike {
  if ((typeof model !== 'object' && typeof model !== 'function') || model === null) {
    throw new InvalidArgumentError('model', `withPruning needs a loaded transformers.js model, got ${model === null ? 'null' : typeof model}`);
  }
  const m = model as Partial<LlavaModelLike>;
  const type = m.config?.model_type;
  if (typeof type !== 'string') {
    throw new InvalidArgumentError('model', 'the model has no config.model_type; pass a model loaded with transformers.js from_pretrained');
  }
  if (!SUPPORTED_MODEL_TYPES.includes(type)) {
    throw new InvalidArgumentError('model', `model type '${type}' is not a LLaVA-family model; supported: ${SUPPORTED_MODEL_TYPES.join(', ')}`);
  }
  for (const name of METHODS) {
    if (typeof m[name] !== 'function') throw new InvalidArgumentError('model', `the ${type} model has no ${name}(); is it a transformers.js ≥ 4.3 LlavaForConditionalGeneration?`);
  }
  if (!m.sessions || typeof m.sessions !== 'object' || !m.sessions.vision_encoder) {
    throw new InvalidArgumentError('model', `the ${type} model was loaded without its vision_encoder session (text-only?); nothing to prune`);
  }
  return m as LlavaModelLike;
}

/** The image placeholder id from the model config (`image_token_index`, else `image_token_id`). */
export function imageTokenIdOf(model: LlavaModelLike): number {
  const id = model.config.image_token_index ?? model.config.image_token_id;
  if (typeof id !== 'number' || !Number.isInteger(id)) {
    throw new InvalidInputError('model', `config.json has no integer image_token_index (or image_token_id); got ${String(id)}`);
  }
  return id;
}
