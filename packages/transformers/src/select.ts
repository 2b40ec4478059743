import {
  MissingTensorError,
  defaultLayout,
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
}

/** The visual tokens an image keeps and where the importance came from. */
export interface ImageKeep {
  /** Kept visual-token indices, ascending. */
  kept: number[];
  /** Importance source name. */
  importance: string;
  /** Kernel backend of the method. */
  backend?: string;
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

async function importanceOf(opts: ResolvedPruningOptions, img: ImageToPrune, features: Matrix, cls: Float32Array | undefined): Promise<{ values: Float32Array; name: string }> {
  const src = opts.importance;
  const n = features.rows;
  if (src === 'relevance') return { values: textImageRelevance(features, img.text), name: 'relevance' };
  if (src === 'cls') {
    if (!cls) throw new MissingTensorError('clsAttention', `importance 'cls' (the vision encoder has no '${opts.clsAttentionOutput}' output)`);
    return { values: checkImportanceVector(cls, n, 'clsAttention'), name: 'cls' };
  }
  if (typeof src === 'function') {
    const v = await src({ image: img.image, row: img.row, features, text: img.text, clsAttention: cls });
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
  const cls = img.clsAttention ? Float32Array.from(candidates, (i) => img.clsAttention![i]) : undefined;
  const budget = Math.min(resolveBudget({ keep: opts.keep, ratio: opts.ratio }, candidates.length), candidates.length);
  const importance = await importanceOf(opts, img, features, cls);
  const input: TokenInput = {
    features,
    attention: importance.values,
    textFeatures: img.text,
    imageEmbeds: features,
    textEmbeds: img.text,
    layout,
    model: opts.adapter.id,
  };
  if (cls) input.clsAttention = cls;
  const sel = await method.select(input, budget, opts.params);
  const kept = token ? keptVisualTokens(token, sel.keep) : [...sel.keep].sort((a, b) => a - b);
  return { kept, importance: importance.name, backend: sel.backend };
}
