import { ShapeMismatchError, type Matrix } from '@d2pruner/core';
import { rowsAt, runsOf, textPositions, type MergedPrefill } from '../merge.js';
import type { ResolvedPruningOptions } from '../options.js';
import { imageReport, type ImagePruning } from '../report.js';
import { selectImage } from '../select.js';
import type { SpanKeep } from '../sequence.js';

/** What part A of a split decoder returns about layer K−1, for one prompt (batch 1). */
export interface LayerSignals {
  /** `H^(K−1)`, the residual stream after layer K−1 [S, d]. */
  hidden: Float32Array;
  /** Layer K−1's attention of the last prompt token over every position [S]. */
  lastAttention: Float32Array;
  /** Layer K−1's keys, heads concatenated per token [S, keyWidth]. */
  keys: Float32Array;
  /** kvHeads · headDim. */
  keyWidth: number;
}

/** [1, heads, T, hd] keys → [T, heads·hd] rows (heads concatenated per token). */
export function keyRows(keys: Float32Array, heads: number, T: number, hd: number): Float32Array {
  const out = new Float32Array(T * heads * hd);
  for (let h = 0; h < heads; h++) for (let t = 0; t < T; t++) out.set(keys.subarray((h * T + t) * hd, (h * T + t + 1) * hd), (t * heads + h) * hd);
  return out;
}

/**
 * Runs the method on every image of a one-row prompt with layer-(K−1) signals: `attention` =
 * the last token's attention over the image tokens, `features` / `keys` = their rows of
 * `H^(K−1)` / layer K−1's keys, `text` / `textKeys` = the text rows, `imageEmbeds` = projected
 * features, `textEmbeds` = text embeddings. Returns each image's kept span and report entry.
 */
export async function selectAtLayer(opts: ResolvedPruningOptions, mp: MergedPrefill, signals: LayerSignals): Promise<{ spans: SpanKeep[]; images: ImagePruning[] }> {
  const { d, ids, imageId } = mp;
  const { hidden, keys, keyWidth } = signals;
  const text = textPositions(ids, imageId);
  const textHidden = rowsAt(hidden, 0, d, text);
  const textKeys = rowsAt(keys, 0, keyWidth, text);
  const textEmbeds = rowsAt(mp.embedsData, 0, d, text);
  const spans: SpanKeep[] = [];
  const images: ImagePruning[] = [];
  let featRow = 0;
  for (const [image, r] of runsOf(ids, imageId).entries()) {
    if ((featRow + r.length) * d > mp.features.length) throw new ShapeMismatchError('image_features', 'the prompt has more image placeholders than the encoder produced features');
    const span = Array.from({ length: r.length }, (_, i) => r.start + i);
    const imageEmbeds: Matrix = { rows: r.length, cols: d, data: mp.features.subarray(featRow * d, (featRow + r.length) * d) };
    const cls = mp.clsAttention?.subarray(featRow, featRow + r.length);
    const attention = signals.lastAttention.slice(r.start, r.start + r.length);
    const keep = await selectImage(opts, {
      image,
      row: 0,
      features: rowsAt(hidden, 0, d, span),
      text: textHidden,
      clsAttention: cls && cls.length === r.length ? cls : undefined,
      attention,
      keys: rowsAt(keys, 0, keyWidth, span),
      textKeys,
      imageEmbeds,
      textEmbeds,
    });
    spans.push({ start: r.start, length: r.length, kept: keep.kept });
    images.push(imageReport(image, 0, r, keep, attention));
    featRow += r.length;
  }
  return { spans, images };
}
