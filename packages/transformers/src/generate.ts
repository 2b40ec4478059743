import { stat } from 'node:fs/promises';
import { InvalidArgumentError, InvalidInputError, isD2PrunerError } from '@d2pruner/core';
import { throwIfAborted } from './abort.js';
import { checkContextLength, checkGenerateOptions } from './generate-checks.js';
import { logitsProcessorOf } from './layer/logits.js';
import { generateSplit } from './layer/split-generate.js';
import { loadSplitDecoder, sessionFactoryOf, type SplitDecoder } from './layer/split-decoder.js';
import { splitSessionOptions } from './layer/split-providers.js';
import type { LoadedLlava } from './load.js';
import { resolvePruningOptions, type PruningOptions } from './options.js';
import { patchModel } from './patch.js';
import { defaultSplitDir } from './split/files.js';
import type { PrefillReport } from './report.js';
import type { TensorLike } from './types.js';

/** The llava-hf prompt template used when the prompt has no image placeholder. */
export const LLAVA_PROMPT_TEMPLATE = 'USER: {image}\n{prompt} ASSISTANT:';

/** Options of {@link generateWithPruning}. */
export interface GenerateOptions {
  /** A PNG/JPEG path, or an image object transformers.js' processor accepts (`RawImage`). */
  image: string | object;
  /** The question. Used verbatim when it contains the image placeholder, else wrapped in {@link LLAVA_PROMPT_TEMPLATE}. */
  prompt: string;
  /** Tokens to generate at most (greedy). Default 32; prompt + maxNewTokens must fit the model's `max_position_embeddings`. */
  maxNewTokens?: number;
  /** Pruning options, or `false` to run every visual token (the prefill is still measured). */
  pruning: PruningOptions | false;
  /** Called with each generated token id and its decoded text. */
  onToken?: (token: { id: number; text: string }) => void;
  /** A split decoder pair already loaded for `pruning.layer` (else it is loaded for this call and released after). */
  splitDecoder?: SplitDecoder;
  /**
   * Stops the generation: checked before any model work (an already-aborted signal rejects at
   * once), between the stages — vision encoding, pruning, prefill — and before each decode step.
   * Once it has aborted no more tokens are produced, `onToken` is not called again, what the call
   * allocated is released as on a normal end, and the call rejects with `signal.reason` (an
   * `AbortError` DOMException after `abort()` without a reason). A stage already running (one
   * ONNX Runtime run) is not interrupted. A value that is not an AbortSignal is
   * INVALID_ARGUMENT `signal`.
   */
  signal?: AbortSignal;
}

/** What {@link generateWithPruning} returns (the `d2pruner generate --json` object plus details). */
export interface GenerateResult {
  /** Visual tokens before / after pruning. */
  visualTokens: { before: number; after: number };
  /** Sequence length the LLM prefilled. */
  prefillTokens: number;
  /** LLM prefill time, ms. */
  prefillMs: number;
  /** Pruning overhead (importance + selection + gather), ms. */
  pruneMs: number;
  /** Generated text (special tokens skipped). */
  text: string;
  /** Generated token ids. */
  tokenIds: number[];
  /** The full prefill report. */
  report: PrefillReport;
}

/** Puts the image placeholder into a prompt that lacks one (llava-hf template). */
export function formatPrompt(prompt: string, imageToken = '<image>'): string {
  if (prompt.includes(imageToken)) return prompt;
  return LLAVA_PROMPT_TEMPLATE.replace('{image}', imageToken).replace('{prompt}', prompt);
}

async function readImage(loaded: LoadedLlava, image: string | object): Promise<unknown> {
  if (typeof image !== 'string') return image;
  const isFile = await stat(image).then((s) => s.isFile(), () => false);
  if (!isFile) throw new InvalidInputError('image', `image file '${image}' does not exist`);
  try {
    return await loaded.transformers.RawImage.read(image);
  } catch (e) {
    throw new InvalidInputError('image', `cannot decode '${image}' as an image (PNG or JPEG): ${e instanceof Error ? e.message : String(e)}`);
  }
}

/** The tail of each model's queue of layer-0 generations (see {@link generateWithPruning}). */
const layer0Queues = new WeakMap<object, Promise<void>>();

/** Runs `task` after every layer-0 generation queued before it on `model` has settled. */
async function queuedOn<T>(model: object, task: () => Promise<T>): Promise<T> {
  const previous = layer0Queues.get(model) ?? Promise.resolve();
  const result = previous.then(task);
  const tail = result.then(
    () => undefined,
    () => undefined,
  );
  layer0Queues.set(model, tail);
  try {
    return await result;
  } finally {
    if (layer0Queues.get(model) === tail) layer0Queues.delete(model);
  }
}

/** Runs the processor; an image object it cannot read is INVALID_INPUT `image`, not its raw TypeError. */
async function preprocess(loaded: LoadedLlava, image: unknown, prompt: string): Promise<Record<string, TensorLike>> {
  try {
    return await loaded.processor(image, prompt);
  } catch (e) {
    if (isD2PrunerError(e)) throw e;
    throw new InvalidInputError('image', `the processor cannot read the image object (pass a file path or a transformers.js RawImage): ${e instanceof Error ? e.message : String(e)}`);
  }
}

/**
 * Generates an answer about one image with a loaded model, pruning its visual tokens at the
 * prefill (or not, with `pruning: false`), greedy decoding. The model is patched for the call
 * only and restored afterwards. Malformed options (not an object, `pruning` neither `false` nor
 * options, a non-function `onToken`, …) are typed errors naming the field, before any work; an
 * image object the processor cannot read is INVALID_INPUT `image`. Aborting `options.signal`
 * stops it between stages or decode steps and rejects with the signal's reason.
 *
 * Concurrent calls on one loaded model are allowed: at layer 0 (and with `pruning: false`) they
 * run one after another, since each patches the model's `forward` for its duration; at layer
 * K ≥ 1 they run side by side (each with its own KV caches). A model patched by the caller's own
 * {@link withPruning} handle is still refused (INVALID_ARGUMENT `model`).
 */
export async function generateWithPruning(loaded: LoadedLlava, options: GenerateOptions): Promise<GenerateResult> {
  const maxNewTokens = checkGenerateOptions(options);
  const { signal } = options;
  throwIfAborted(signal);
  const image = await readImage(loaded, options.image);
  const imageToken = typeof loaded.processor.config?.image_token === 'string' ? loaded.processor.config.image_token : '<image>';
  const inputs = await preprocess(loaded, image, formatPrompt(options.prompt, imageToken));
  const promptLength = inputs.input_ids.dims[1];
  checkContextLength(loaded.config, promptLength, maxNewTokens);
  const result =
    options.pruning !== false && (options.pruning.layer ?? 0) > 0
      ? await generateAtLayer(loaded, options, options.pruning, inputs)
      : await queuedOn(loaded.model, () => generateAtLayer0(loaded, options, inputs, promptLength, maxNewTokens));
  // an abort seen at the last token (or that stopped transformers.js' generate early) still rejects
  throwIfAborted(signal);
  return result;
}

/**
 * `generateWithPruning` at layer 0 (or unpruned): transformers.js' own generate on the patched
 * model. An abort seen after a step ends generate through a stopping criterion, so generate still
 * disposes its KV cache as at a normal end (the caller then rejects); the token of that step is
 * not handed to `onToken`.
 */
async function generateAtLayer0(loaded: LoadedLlava, options: GenerateOptions, inputs: Record<string, TensorLike>, promptLength: number, maxNewTokens: number): Promise<GenerateResult> {
  const { signal } = options;
  throwIfAborted(signal);
  const handle = patchModel(loaded.model, loaded.processor, options.pruning === false ? { enabled: false } : options.pruning, signal);
  let seen = 0;
  const streamer = options.onToken && {
    put: (value: bigint[][]) => {
      if (seen++ === 0 || signal?.aborted) return;
      for (const id of value[0] ?? []) options.onToken?.({ id: Number(id), text: loaded.processor.batch_decode([[id]], { skip_special_tokens: true })[0] ?? '' });
    },
    end: () => undefined,
  };
  const stopping = signal && { stopping_criteria: [(ids: unknown[]) => ids.map(() => signal.aborted)] };
  let out: TensorLike;
  try {
    out = (await loaded.model.generate({ ...inputs, max_new_tokens: maxNewTokens, do_sample: false, ...(streamer ? { streamer } : {}), ...stopping })) as TensorLike;
  } finally {
    handle.restore();
  }
  const report = handle.lastPrefill;
  if (!report) throw new InvalidInputError('image', 'the model ran no image prefill (did the prompt lose its image placeholder?)');
  const seq = Array.from(out.data as BigInt64Array, (v) => Number(v));
  const width = out.dims[1];
  const tokenIds = seq.slice(promptLength, width);
  const text = loaded.processor.batch_decode([tokenIds], { skip_special_tokens: true })[0] ?? '';
  return {
    visualTokens: report.visualTokens,
    prefillTokens: report.prefillTokens,
    prefillMs: report.prefillMs,
    pruneMs: report.pruneMs,
    text,
    tokenIds,
    report,
  };
}

function eosIds(loaded: LoadedLlava): Set<number> {
  const gen = (loaded.model as { generation_config?: { eos_token_id?: number | number[] | null } }).generation_config?.eos_token_id;
  const text = (loaded.config.text_config ?? {}) as { eos_token_id?: number | number[] };
  const ids = gen ?? text.eos_token_id ?? (loaded.config.eos_token_id as number | number[] | undefined);
  return new Set(ids === undefined || ids === null ? [] : Array.isArray(ids) ? ids : [ids]);
}

/**
 * A pruning layer K ≥ 1 must leave layers on both sides of the cut: K ≤ L − 1 for the config's
 * `num_hidden_layers` L (of `text_config`, else the top level; unchecked when absent), else
 * INVALID_ARGUMENT `layer` — rather than a search for a split pair that cannot be made.
 */
function checkLayerInModel(config: Record<string, unknown>, layer: number): void {
  const t = (typeof config.text_config === 'object' && config.text_config !== null ? config.text_config : config) as Record<string, unknown>;
  const layers = t.num_hidden_layers;
  if (typeof layers !== 'number' || !Number.isSafeInteger(layers) || layers <= 0) return;
  if (layer >= layers) {
    throw new InvalidArgumentError('layer', `the model's LLM has ${layers} layers (num_hidden_layers): a pruning layer K must be in [1, ${layers - 1}] (layer 0 prunes before the LLM), got ${layer}`);
  }
}

/** `generateWithPruning` with `pruning.layer` ≥ 1: the split decoder pair runs instead of transformers.js' generate. */
async function generateAtLayer(loaded: LoadedLlava, options: GenerateOptions, pruning: PruningOptions, inputs: Record<string, TensorLike>): Promise<GenerateResult> {
  const padded = loaded.processor.image_processor?.do_pad === true || loaded.processor.image_processor?.config?.do_pad === true;
  const opts = resolvePruningOptions(pruning, padded);
  checkLayerInModel(loaded.config, opts.layer);
  let split = options.splitDecoder;
  const own = !split;
  throwIfAborted(options.signal);
  if (!split) {
    const dir = opts.split ?? (loaded.dir ? defaultSplitDir(loaded.dir, opts.layer) : undefined);
    if (!dir) throw new InvalidArgumentError('split', `layer ${opts.layer} needs a split decoder pair: pass pruning.split (a directory written by d2pruner split-decoder)`);
    split = await loadSplitDecoder(dir, opts.layer, sessionFactoryOf(loaded.model.sessions.decoder_model_merged ?? Object.values(loaded.model.sessions)[0]), splitSessionOptions(loaded.device, loaded.sessionOptions));
  } else if (split.layer !== opts.layer) {
    throw new InvalidArgumentError('layer', `the split decoder given is cut before layer ${split.layer}, not ${opts.layer}`);
  }
  const decode = (id: number) => loaded.processor.batch_decode([[id]], { skip_special_tokens: true })[0] ?? '';
  let result: Awaited<ReturnType<typeof generateSplit>>;
  try {
    result = await generateSplit(loaded.model, split, opts, inputs, {
      maxNewTokens: options.maxNewTokens ?? 32,
      eos: eosIds(loaded),
      onToken: options.onToken && ((id) => options.onToken?.({ id, text: decode(id) })),
      logitsProcessor: logitsProcessorOf(loaded.model, inputs.input_ids.dims[1], options.maxNewTokens ?? 32),
      signal: options.signal,
    });
  } finally {
    if (own) await split.release();
  }
  const { report, tokenIds } = result;
  return {
    visualTokens: report.visualTokens,
    prefillTokens: report.prefillTokens,
    prefillMs: report.prefillMs,
    pruneMs: report.pruneMs,
    text: loaded.processor.batch_decode([tokenIds], { skip_special_tokens: true })[0] ?? '',
    tokenIds,
    report,
  };
}
