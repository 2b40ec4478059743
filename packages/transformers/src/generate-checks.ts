import { InvalidArgumentError, assertInteger } from '@d2pruner/core';
import { isAbortSignalLike } from './abort.js';
import { resolvePruningOptions, type PruningOptions } from './options.js';

const kind = (v: unknown) => (v === null ? 'null' : Array.isArray(v) ? 'an array' : typeof v);

/**
 * Checks the shape of `generateWithPruning`'s options before any image is read or model run:
 * `options` an object; `image` a path or an image object; `prompt` a string; `maxNewTokens` an
 * integer ≥ 1; `pruning` `false` or valid pruning options; `onToken` a function when given;
 * `splitDecoder` a loaded pair (`layer`, `partA`, `partB`) when given; `signal` an
 * `AbortSignal` (a boolean `aborted` and `addEventListener`) when given. Failures are
 * INVALID_ARGUMENT (INVALID_INPUT for `maxNewTokens`) naming the field, never a raw TypeError.
 * @returns `maxNewTokens` with its default (32)
 */
export function checkGenerateOptions(options: unknown): number {
  if (typeof options !== 'object' || options === null || Array.isArray(options)) throw new InvalidArgumentError('options', `generateWithPruning needs an options object, got ${kind(options)}`);
  const o = options as Record<string, unknown>;
  const maxNewTokens = o.maxNewTokens ?? 32;
  assertInteger('maxNewTokens', maxNewTokens, 1);
  if (typeof o.prompt !== 'string') throw new InvalidArgumentError('prompt', 'prompt must be a string');
  if (typeof o.image !== 'string' && (typeof o.image !== 'object' || o.image === null)) throw new InvalidArgumentError('image', `image must be a file path or an image object (RawImage), got ${kind(o.image)}`);
  if (o.pruning !== false) {
    if (typeof o.pruning !== 'object' || o.pruning === null || Array.isArray(o.pruning)) {
      throw new InvalidArgumentError('pruning', `pruning must be pruning options ({ method, keep | ratio, … }) or false, got ${kind(o.pruning)}`);
    }
    resolvePruningOptions(o.pruning as PruningOptions);
  }
  if (o.onToken !== undefined && typeof o.onToken !== 'function') throw new InvalidArgumentError('onToken', `onToken must be a function, got ${kind(o.onToken)}`);
  if (o.signal !== undefined && !isAbortSignalLike(o.signal)) {
    const got = kind(o.signal) === 'object' ? 'an object without a boolean aborted and addEventListener' : kind(o.signal);
    throw new InvalidArgumentError('signal', `signal must be an AbortSignal (AbortController.signal), got ${got}`);
  }
  const split = o.splitDecoder as Record<string, unknown> | null | undefined;
  if (split !== undefined && (typeof split !== 'object' || split === null || typeof split.layer !== 'number' || typeof split.partA !== 'object' || typeof split.partB !== 'object')) {
    throw new InvalidArgumentError('splitDecoder', 'splitDecoder must be a pair loaded with loadSplitDecoder');
  }
  return maxNewTokens;
}

/**
 * Refuses, before any inference, a generation that would run past the LLM's context window:
 * prompt tokens + `maxNewTokens` > `max_position_embeddings` (of `text_config`, else the top
 * level; no bound when the config has none) is INVALID_ARGUMENT `maxNewTokens`. Without it a
 * huge `maxNewTokens` decoded unbounded, each step slower than the last.
 */
export function checkContextLength(config: Record<string, unknown>, promptLength: number, maxNewTokens: number): void {
  const t = (typeof config.text_config === 'object' && config.text_config !== null ? config.text_config : config) as Record<string, unknown>;
  const limit = t.max_position_embeddings;
  if (typeof limit !== 'number' || !Number.isSafeInteger(limit) || limit <= 0) return;
  if (promptLength + maxNewTokens > limit) {
    throw new InvalidArgumentError('maxNewTokens', `the prompt has ${promptLength} tokens; with maxNewTokens ${maxNewTokens} generation would pass the model's ${limit} positions (max_position_embeddings); use maxNewTokens ≤ ${Math.max(0, limit - promptLength)}`);
  }
}
