import { InvalidInputError, ShapeMismatchError } from '@d2pruner/core';
import { qwen2vl7b } from './adapter.js';

/** The LLM token grid of one image (after the 2×2 merge): `rows`×`cols`, row-major. */
export interface ImageGrid {
  rows: number;
  cols: number;
}

/** Qwen2-VL's 3-component position ids (temporal, height, width), one entry per sequence token. */
export interface MropePositions {
  t: Int32Array;
  h: Int32Array;
  w: Int32Array;
}

/**
 * M-RoPE position ids of an unpruned sequence, as HF `Qwen2VLModel.get_rope_index` computes them
 * (docs/models.md §4): text tokens get t = h = w = a running index; image tokens get
 * (s, s + row, s + col) with s the position after the preceding text; the text after an image
 * resumes at max(image positions) + 1 = s + max(rows, cols). Image runs are found from the
 * `<|image_pad|>` ids and checked against `grids`.
 */
export function mropePositions(inputIds: ArrayLike<number | bigint>, grids: readonly ImageGrid[]): MropePositions {
  const spans = qwen2vl7b.visualSpans(inputIds, { tokensPerImage: grids.map((g) => g.rows * g.cols) });
  const n = inputIds.length;
  const t = new Int32Array(n);
  const h = new Int32Array(n);
  const w = new Int32Array(n);
  let next = 0;
  let cursor = 0;
  const text = (end: number) => {
    for (; cursor < end; cursor++, next++) t[cursor] = h[cursor] = w[cursor] = next;
  };
  spans.forEach((span, i) => {
    text(span.start);
    const { rows, cols } = grids[i];
    for (let k = 0; k < span.length; k++) {
      t[span.start + k] = next;
      h[span.start + k] = next + Math.floor(k / cols);
      w[span.start + k] = next + (k % cols);
    }
    next += Math.max(rows, cols);
    cursor = span.start + span.length;
  });
  text(n);
  return { t, h, w };
}

/** A sequence after pre-LLM pruning, ready for the LLM (docs/models.md §6.2, Qwen2-VL). */
export interface PrunedSequence {
  /** Input ids with the dropped `<|image_pad|>` tokens removed (HF checks placeholder count = feature count). */
  inputIds: number[];
  /** Original sequence index of every kept token, ascending. */
  keptIndices: number[];
  /** The kept tokens' original M-RoPE positions (computed on the unpruned sequence, then gathered). */
  positions: MropePositions;
  /** `rope_deltas` for decoding: (max kept position + 1) − pruned length. */
  ropeDelta: number;
}

/**
 * Drops pruned image tokens from a Qwen2-VL sequence and recomputes what the LLM needs: positions
 * come from the unpruned sequence (gathered, not re-indexed) and `rope_deltas` is recomputed so
 * decoding continues after the largest kept position.
 * @param inputIds the unpruned ids
 * @param grids each image's token grid
 * @param keepPerImage kept visual-token indices of each image (what a method returns)
 */
export function pruneSequence(inputIds: ArrayLike<number | bigint>, grids: readonly ImageGrid[], keepPerImage: readonly ArrayLike<number>[]): PrunedSequence {
  const spans = qwen2vl7b.visualSpans(inputIds, { tokensPerImage: grids.map((g) => g.rows * g.cols) });
  if (keepPerImage.length !== spans.length) {
    throw new ShapeMismatchError('keep', `${keepPerImage.length} keep lists for ${spans.length} images`);
  }
  const pos = mropePositions(inputIds, grids);
  const dropped = new Uint8Array(inputIds.length);
  spans.forEach((span, i) => {
    dropped.fill(1, span.start, span.start + span.length);
    const keep = keepPerImage[i];
    for (let k = 0; k < keep.length; k++) {
      const v = keep[k];
      if (!Number.isInteger(v) || v < 0 || v >= span.length) throw new InvalidInputError('keep', `keep[${i}][${k}] = ${v} is outside [0, ${span.length})`);
      dropped[span.start + v] = 0;
    }
  });
  const keptIndices: number[] = [];
  for (let s = 0; s < inputIds.length; s++) if (!dropped[s]) keptIndices.push(s);
  const gather = (a: Int32Array) => Int32Array.from(keptIndices, (s) => a[s]);
  const positions = { t: gather(pos.t), h: gather(pos.h), w: gather(pos.w) };
  let max = -1;
  for (const a of [positions.t, positions.h, positions.w]) for (const v of a) max = Math.max(max, v);
  return { inputIds: keptIndices.map((s) => Number(inputIds[s])), keptIndices, positions, ropeDelta: max + 1 - keptIndices.length };
}
