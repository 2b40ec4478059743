import {
  InvalidInputError,
  MissingTensorError,
  checkPriorKey,
  defaultLayout,
  layoutSignature,
  ShapeMismatchError,
  keptVisualTokens,
  resolveBudget,
  type Layout,
  type Matrix,
  type TokenInput,
  type TokenLayout,
} from '@d2pruner/core';
import { checkImportanceVector, textImageRelevance } from './importance.js';
import type { ResolvedPruningOptions } from './options.js';

/** One image to prune, as the patched forward sees it at merge time. */
export interface ImageToPrune {
  /** Image number in the batch. */
  image: number;
  /** Batch row. */
  row: number;
  /** Projected features of every visual token [tokens, d]. */
  features: Matrix;
  /** Embeddings of the row's text tokens [M, d]. */
  text: Matrix;
  /** CLS attention of every visual token [tokens], when exported. */
  clsAttention?: Float32Array;
  /** Layer-(K−1) attention of the last prompt token over every visual token [tokens] (in-LLM pruning). */
  attention?: Float32Array;
  /** Layer-(K−1) keys of every visual token [tokens, kvHeads·headDim] (in-LLM pruning). */
  keys?: Matrix;
  /** Layer-(K−1) keys of the row's text tokens [M, kvHeads·headDim] (in-LLM pruning). */
  textKeys?: Matrix;
  /** Projected image features [tokens, d] when `features` are hidden states (in-LLM pruning). */
  imageEmbeds?: Matrix;
  /** Text embeddings [M, d] when `text` holds hidden states (in-LLM pruning). */
  textEmbeds?: Matrix;
}

/** The visual tokens an image keeps and where the importance came from. */
export interface ImageKeep {
  /** Kept visual-token indices, ascending. */
  kept: number[];
  /** Importance source name. */
  importance: string;
  /** Kernel backend of the method. */
  backend?: string;
  /** The method's input (when `captureInputs` is on). */
  input?: TokenInput;
}

function rowsOf(m: Matrix, rows: Int32Array): Matrix {
  const out = new Float32Array(rows.length * m.cols);
  for (let i = 0; i < rows.length; i++) out.set(m.data.subarray(rows[i] * m.cols, (rows[i] + 1) * m.cols), i * m.cols);
  return { rows: rows.length, cols: m.cols, data: out };
}

/** The adapter's token layout for an image of `tokens` visual tokens, or the caller's layout. */
export function layoutFor(opts: ResolvedPruningOptions, tokens: number): { candidates: Int32Array; layout: Layout; token?: TokenLayout } {
  if (opts.layout) {
    const layout = opts.layout === 'grid' ? defaultLayout(tokens) : typeof opts.layout === 'function' ? opts.layout(tokens) : opts.layout;
    if (layout.frame.length !== tokens) throw new ShapeMismatchError('layout', `the layout has ${layout.frame.length} tokens but the image has ${tokens}`);
    return { candidates: Int32Array.from({ length: tokens }, (_, i) => i), layout };
  }
  const token = opts.adapter.layout(opts.imageSize, opts.layoutOptions);
  if (token.tokens !== tokens) {
    throw new ShapeMismatchError(
      'layout',
      `the image has ${tokens} visual tokens but adapter ${opts.adapter.id} lays out ${token.tokens}; pass a matching adapter, a layout, or layout 'grid' for a square grid`,
    );
  }
  return { candidates: token.candidates, layout: token.layout, token };
}

async function importanceOf(
  opts: ResolvedPruningOptions,
  img: ImageToPrune,
  features: Matrix,
  cls: Float32Array | undefined,
  attention: Float32Array | undefined,
): Promise<{ values: Float32Array; name: string }> {
  const src = opts.importance;
  const n = features.rows;
  if (src === 'relevance') return { values: textImageRelevance(features, img.text), name: 'relevance' };
  if (src === 'attention') {
    if (!attention) throw new MissingTensorError('attention', "importance 'attention' (the LLM's layer-(K−1) attention exists only with layer ≥ 1)");
    return { values: checkImportanceVector(attention, n, 'attention'), name: 'attention' };
  }
  if (src === 'cls') {
    if (!cls) throw new MissingTensorError('clsAttention', `importance 'cls' (the vision encoder has no '${opts.clsAttentionOutput}' output)`);
    return { values: checkImportanceVector(cls, n, 'clsAttention'), name: 'cls' };
  }
  if (typeof src === 'function') {
    const v = await src({ image: img.image, row: img.row, features, text: img.text, clsAttention: cls, attention });
    return { values: checkImportanceVector(v, n), name: 'function' };
  }
  return { values: checkImportanceVector(src, n), name: 'vector' };
}

/**
 * Runs the method on one image: builds its {@link TokenInput} (features, importance as
 * `attention`, CLS attention when exported, text embeddings as `textFeatures`/`textEmbeds`,
 * features as `imageEmbeds`, the adapter's layout), resolves the budget (`keep`, or `ratio` of
 * the candidates, capped at the candidate count) and returns the kept visual-token indices,
 * structural tokens kept by the adapter's `row` policy.
 */
export async function selectImage(opts: ResolvedPruningOptions, img: ImageToPrune): Promise<ImageKeep> {
  const tokens = img.features.rows;
  const { candidates, layout, token } = layoutFor(opts, tokens);
  const method = opts.method;
  if (!method) return { kept: Array.from({ length: tokens }, (_, i) => i), importance: 'none' };
  const features = rowsOf(img.features, candidates);
  const pick = (v: Float32Array | undefined) => (v ? Float32Array.from(candidates, (i) => v[i]) : undefined);
  const cls = pick(img.clsAttention);
  const attention = pick(img.attention);
  const budget = Math.min(resolveBudget({ keep: opts.keep, ratio: opts.ratio }, candidates.length), candidates.length);
  const importance = await importanceOf(opts, img, features, cls, attention);
  const imageEmbeds = img.imageEmbeds ? rowsOf(img.imageEmbeds, candidates) : features;
  const input: TokenInput = {
    features,
    attention: importance.values,
    textFeatures: img.text,
    imageEmbeds,
    textEmbeds: img.textEmbeds ?? img.text,
    layout,
    model: opts.adapter.id,
  };
  if (cls) input.clsAttention = cls;
  if (img.keys) input.keys = rowsOf(img.keys, candidates);
  if (img.textKeys) input.textKeys = img.textKeys;
  if (opts.prior) {
    if (opts.prior.length !== tokens) throw new ShapeMismatchError('prior', `the prior has ${opts.prior.length} values but the image has ${tokens} visual tokens`);
    if (opts.priorLayout !== undefined && layoutSignature(layout) !== opts.priorLayout) {
      throw new InvalidInputError('prior', `the prior was calibrated on another layout (${opts.priorLayout}) than this image's (${layoutSignature(layout)}); calibrate one for this layout`);
    }
    // and to one model and layer: the adapter's (by its id or an alias, registered or not) and the pruning layer's
    const named = opts.priorModel !== undefined && [opts.adapter.id, ...(opts.adapter.aliases ?? [])].some((n) => n.toLowerCase() === opts.priorModel?.toLowerCase());
    checkPriorKey({ model: named ? undefined : opts.priorModel, layer: opts.priorLayer }, { model: opts.adapter.id, layer: opts.layer });
    input.prior = pick(opts.prior);
  }
  const sel = await method.select(input, budget, opts.params);
  const kept = token ? keptVisualTokens(token, sel.keep) : [...sel.keep].sort((a, b) => a - b);
  return { kept, importance: importance.name, backend: sel.backend, ...(opts.captureInputs ? { input } : {}) };
}
