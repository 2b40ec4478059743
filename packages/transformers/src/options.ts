import {
  InvalidArgumentError,
  getAdapter,
  type AdapterOptions,
  type ImageSize,
  type Layout,
  type Matrix,
  type Method,
  type MethodParams,
  type ModelAdapter,
} from '@d2pruner/core';
import { registerLlavaAdapters } from '@d2pruner/adapter-llava';
import { getMethod } from '@d2pruner/methods';
import type { PrefillReport } from './report.js';

/** What an importance callback is given for one image. */
export interface ImportanceContext {
  /** Image number in the batch, in order of appearance. */
  image: number;
  /** Batch row the image sits in. */
  row: number;
  /** Projected image features of the candidates [N, d] (LLM embedding space). */
  features: Matrix;
  /** Embeddings of the row's text tokens [M, d] (every non-image token). */
  text: Matrix;
  /** Vision-encoder CLS attention of the candidates [N], when the encoder exports it. */
  clsAttention?: Float32Array;
  /** The LLM's layer-(K−1) attention of the candidates [N] (layer ≥ 1 only). */
  attention?: Float32Array;
}

/**
 * Where the per-token importance (the `attention` a method ranks pivots by) comes from:
 * - `attention` (default when `layer` ≥ 1): the LLM's layer-(K−1) attention of the last prompt
 *   token over the image tokens (softmax over all keys, mean over heads), from the split decoder;
 * - `relevance` (default when `layer` is 0): text–image relevance at merge time ({@link textImageRelevance});
 * - `cls`: the vision encoder's CLS → patch attention (needs an encoder output, see
 *   {@link PruningOptions.clsAttentionOutput});
 * - a vector of N values, used for every image;
 * - a function of the image's context.
 */
export type ImportanceSource =
  | 'attention'
  | 'relevance'
  | 'cls'
  | ArrayLike<number>
  | ((context: ImportanceContext) => ArrayLike<number> | Promise<ArrayLike<number>>);

/** Options of `withPruning`. */
export interface PruningOptions {
  /** Method name or object. Default `d2pruner`. */
  method?: string | Method;
  /** Visual tokens to keep per image (exactly one of `keep` / `ratio`, unless `enabled` is false). */
  keep?: number;
  /** Fraction of each image's visual tokens to keep. */
  ratio?: number;
  /** Method parameters (API names), e.g. `{ alpha: 0.5 }`. */
  params?: MethodParams;
  /** Importance source. Default `attention` when `layer` ≥ 1, else `relevance`. */
  importance?: ImportanceSource;
  /**
   * Pruning layer K. 0 (default): before the LLM, inside transformers.js' own generation.
   * K ≥ 1: inside the LLM, through a split decoder pair (layers 0…K−1 see every token, layers
   * K…L−1 only the kept ones, at their original positions); only `generateWithPruning` runs it.
   * Anything but an integer ≥ 0 (`null` included) is INVALID_ARGUMENT `layer`.
   */
  layer?: number;
  /** Directory of the split decoder pair for `layer` (`part_a.onnx`, `part_b.onnx`, `split.json`). Default `MODEL_DIR/split-k{K}`. */
  split?: string;
  /**
   * Positional prior b [N] (per visual token, docs/algorithm.md §6) given to the method as `prior`:
   * D2Pruner then ranks by a / (b + eps). Learn it with `d2pruner calibrate` from layer-(K−1)
   * attention vectors (see the README). Anything but an array or typed array (`null` included)
   * is INVALID_ARGUMENT `prior`.
   */
  prior?: ArrayLike<number>;
  /**
   * The layout signature `prior` was calibrated on (its file's `d2pruner.layoutSignature`, as
   * `d2pruner calibrate` writes it): an image whose candidate layout has another signature fails
   * with `INVALID_INPUT` naming `prior` (a prior belongs to one layout, docs/algorithm.md §6).
   * Unset: not checked.
   */
  priorLayout?: string;
  /**
   * The model `prior` was calibrated for (its file's `d2pruner.model`): when it names another
   * adapter than `adapter` (compared through the adapter registry: aliases and case match), every
   * image fails with `INVALID_INPUT` naming `prior` (a prior is keyed by model, layer and layout,
   * docs/algorithm.md §6). Unset: not checked.
   */
  priorModel?: string;
  /**
   * The layer `prior` was calibrated at (its file's `d2pruner.layer`): when it is not `layer`,
   * every image fails with `INVALID_INPUT` naming `prior`. Unset: not checked.
   */
  priorLayer?: number;
  /** Keep each image's full pruning input (features, attention, keys, layout) in the report (`images[i].input`), e.g. to save calibration files. Default false. */
  captureInputs?: boolean;
  /** Adapter (object or id) giving the token layout. Default `llava-1.5-7b`. */
  adapter?: string | ModelAdapter;
  /** Layout options of the adapter. Default `{ preprocess: 'crop' }` (transformers.js' CLIPImageProcessor), `pad` when the processor pads. */
  layoutOptions?: AdapterOptions;
  /** Image size the layout is computed for. Default 336×336 (the processed canvas). */
  imageSize?: ImageSize;
  /**
   * A layout to use instead of the adapter's, for images whose token count the adapter does not
   * produce: a layout, a function of the token count, or `grid` (a square grid, when the count
   * is a perfect square, e.g. 729 = 27² for a single SigLIP-384 crop).
   */
  layout?: Layout | ((tokens: number) => Layout) | 'grid';
  /** Vision-encoder output holding CLS attention [images, N]. Default `cls_attention`. */
  clsAttentionOutput?: string;
  /** False: measure only (the prefill runs with every visual token). Default true. */
  enabled?: boolean;
  /** Called after every pruned prefill with its report, before the first token is decoded (at every layer K). */
  onPrefill?: (report: PrefillReport) => void;
}

/** {@link PruningOptions} validated, with defaults filled. */
export interface ResolvedPruningOptions {
  /** The method, or null when pruning is disabled. */
  method: Method | null;
  /** Visual tokens to keep per image. */
  keep?: number;
  /** Fraction of each image's visual tokens to keep. */
  ratio?: number;
  /** Method parameters (API names). */
  params: MethodParams;
  /** Importance source. */
  importance: ImportanceSource;
  /** Pruning layer K: 0 before the LLM, ≥ 1 inside it (split decoder pair). */
  layer: number;
  /** Directory of the split decoder pair for `layer`. */
  split?: string;
  /** Positional prior b [N] for D2Pruner's debias. */
  prior?: Float32Array;
  /** The layout signature the prior belongs to (checked against each image's layout). */
  priorLayout?: string;
  /** The model the prior belongs to (checked against the adapter). */
  priorModel?: string;
  /** The layer the prior belongs to (checked against `layer`). */
  priorLayer?: number;
  /** Keep each image's full pruning input in the report. */
  captureInputs: boolean;
  /** The adapter giving the token layout. */
  adapter: ModelAdapter;
  /** Layout options of the adapter. */
  layoutOptions?: AdapterOptions;
  /** Image size the layout is computed for. */
  imageSize: ImageSize;
  /** A layout replacing the adapter's (see {@link PruningOptions.layout}). */
  layout?: Layout | ((tokens: number) => Layout) | 'grid';
  /** Vision-encoder output holding CLS attention. */
  clsAttentionOutput: string;
  /** False: measure only. */
  enabled: boolean;
  /** Called after every pruned prefill with its report. */
  onPrefill?: (report: PrefillReport) => void;
}

/** Default adapter id. */
export const DEFAULT_ADAPTER = 'llava-1.5-7b';

function resolveAdapter(a: string | ModelAdapter | undefined): ModelAdapter {
  if (a !== undefined && typeof a !== 'string') return a;
  registerLlavaAdapters();
  return getAdapter(a ?? DEFAULT_ADAPTER);
}

/**
 * Checks the shape of `options.method`: absent, a name, or a method object with a `name` and a
 * `select` function. Anything else — `null` included, which would otherwise read as "pruning
 * disabled" and keep every token — throws {@link InvalidArgumentError} naming `method`.
 */
function checkMethodOption(m: unknown): void {
  if (m === undefined || typeof m === 'string') return;
  if (typeof m === 'object' && m !== null && !Array.isArray(m) && typeof (m as Method).name === 'string' && typeof (m as Method).select === 'function') return;
  const got = m === null ? 'null' : Array.isArray(m) ? 'an array' : typeof m === 'object' ? 'an object without name/select' : typeof m;
  throw new InvalidArgumentError('method', `method must be a method name or a method object (name, select), got ${got}`);
}

/** Validates the options (unknown method or adapter, keep/ratio, importance) before any inference. */
export function resolvePruningOptions(options: PruningOptions, padded = false): ResolvedPruningOptions {
  if (typeof options !== 'object' || options === null) throw new InvalidArgumentError('options', 'withPruning needs an options object');
  const enabled = options.enabled ?? true;
  checkMethodOption(options.method);
  const hasKeep = options.keep !== undefined;
  const hasRatio = options.ratio !== undefined;
  if (enabled && hasKeep === hasRatio) throw new InvalidArgumentError('keep', 'give exactly one of keep (tokens per image) or ratio (a fraction)');
  if (hasKeep && (!Number.isInteger(options.keep) || (options.keep as number) < 0)) {
    throw new InvalidArgumentError('keep', `keep must be an integer ≥ 0, got ${String(options.keep)}`);
  }
  if (hasRatio && !(typeof options.ratio === 'number' && options.ratio >= 0 && options.ratio <= 1)) {
    throw new InvalidArgumentError('ratio', `ratio must be a number in [0, 1], got ${String(options.ratio)}`);
  }
  // null is not "absent": it would silently switch in-LLM pruning to pre-LLM (layer 0)
  const layer = options.layer === undefined ? 0 : options.layer;
  if (!Number.isInteger(layer) || layer < 0) throw new InvalidArgumentError('layer', `layer must be an integer ≥ 0, got ${String(options.layer)}`);
  const importance = options.importance ?? (layer > 0 ? 'attention' : 'relevance');
  if (typeof importance === 'string' && importance !== 'relevance' && importance !== 'cls' && importance !== 'attention') {
    throw new InvalidArgumentError('importance', `importance must be 'attention', 'relevance', 'cls', a vector or a function, got '${importance}'`);
  }
  if (importance === 'attention' && layer === 0) {
    throw new InvalidArgumentError('importance', "importance 'attention' is the LLM's layer-(K−1) attention: it needs layer ≥ 1 (a split decoder)");
  }
  if (options.split !== undefined && (typeof options.split !== 'string' || layer === 0)) throw new InvalidArgumentError('split', 'split is the directory of a split decoder pair and needs layer ≥ 1');
  const prior = options.prior === undefined ? undefined : Float32Array.from(checkedPrior(options.prior));
  if (typeof options.layout === 'string' && options.layout !== 'grid') throw new InvalidArgumentError('layout', `layout must be 'grid', a layout or a function, got '${options.layout}'`);
  const adapter = resolveAdapter(options.adapter);
  const hasPreprocess = adapter.layoutOptions.some((s) => s.name === 'preprocess');
  const method = enabled ? (typeof options.method === 'object' ? options.method : getMethod(options.method ?? 'd2pruner')) : null;
  return {
    method,
    keep: options.keep,
    ratio: options.ratio,
    params: { ...(options.params ?? {}) },
    importance,
    layer,
    ...(options.split !== undefined ? { split: options.split } : {}),
    ...(prior ? { prior } : {}),
    ...(prior && options.priorLayout !== undefined ? { priorLayout: checkedSignature(options.priorLayout) } : {}),
    ...(prior && options.priorModel !== undefined ? { priorModel: checkedPriorModel(options.priorModel) } : {}),
    ...(prior && options.priorLayer !== undefined ? { priorLayer: checkedPriorLayer(options.priorLayer) } : {}),
    captureInputs: options.captureInputs ?? false,
    adapter,
    layoutOptions: options.layoutOptions ?? (hasPreprocess ? { preprocess: padded ? 'pad' : 'crop' } : undefined),
    imageSize: options.imageSize ?? { width: 336, height: 336 },
    layout: options.layout,
    clsAttentionOutput: options.clsAttentionOutput ?? 'cls_attention',
    enabled,
    onPrefill: options.onPrefill,
  };
}

/** A `prior` option: an array or typed array of numbers (`null`, a string, a number… is INVALID_ARGUMENT `prior`). */
function checkedPrior(value: unknown): ArrayLike<number> {
  if (typeof value !== 'object' || value === null || typeof (value as { length?: unknown }).length !== 'number') {
    const got = value === null ? 'null' : typeof value;
    throw new InvalidArgumentError('prior', `prior must be a vector of numbers (an array or Float32Array, one per visual token), got ${got}`);
  }
  return value as ArrayLike<number>;
}

/** A `priorModel` option: a non-empty string (an adapter id or alias). */
function checkedPriorModel(value: unknown): string {
  if (typeof value !== 'string' || value === '') throw new InvalidArgumentError('priorModel', 'priorModel is the model a prior was calibrated for (a non-empty adapter id)');
  return value;
}

/** A `priorLayer` option: an integer ≥ 0. */
function checkedPriorLayer(value: unknown): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) throw new InvalidArgumentError('priorLayer', `priorLayer is the layer a prior was calibrated at (an integer ≥ 0), got ${String(value)}`);
  return value;
}

/** A layout signature option: a non-empty string. */
function checkedSignature(value: unknown): string {
  if (typeof value !== 'string' || value === '') throw new InvalidArgumentError('priorLayout', 'priorLayout is the layout signature a prior was calibrated on (a non-empty string)');
  return value;
}
