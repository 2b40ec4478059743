import type { TensorLike } from '../types.js';

/** transformers.js' logits processing of one step: all ids so far (per row) and the last logits [B, V] → scores [B, V]. */
export type LogitsProcessorFn = (inputIds: bigint[][], logits: TensorLike) => TensorLike;

interface GenerationInternals {
  _prepare_generation_config?(config: null, kwargs: Record<string, unknown>): Record<string, unknown>;
  _get_logits_processor?(config: Record<string, unknown>, inputLength: number, extra: null): LogitsProcessorFn;
}

/**
 * The logits processors transformers.js' own greedy `generate` would apply for this model
 * (from its `generation_config.json`: `repetition_penalty`, `no_repeat_ngram_size`,
 * `bad_words_ids`, `min_new_tokens`, `suppress_tokens`, …), so generation through a split
 * decoder pair picks the same tokens as the merged decoder. Undefined when the model does not
 * expose transformers.js' generation internals.
 * @param promptLength prompt tokens (the `input_ids` length)
 */
export function logitsProcessorOf(model: object, promptLength: number, maxNewTokens: number): LogitsProcessorFn | undefined {
  const m = model as GenerationInternals;
  if (typeof m._prepare_generation_config !== 'function' || typeof m._get_logits_processor !== 'function') return undefined;
  const config = m._prepare_generation_config(null, { max_new_tokens: maxNewTokens, do_sample: false });
  config.max_length = promptLength + maxNewTokens;
  return m._get_logits_processor(config, promptLength, null);
}
