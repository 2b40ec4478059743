import { DROPPED_OPACITY, SELECTION_COLOURS, hexRgb, type Layout, type Selection, type SelectionKind } from '@d2pruner/core';
import { BACKGROUND, blankImage, blendRect } from './canvas.js';
import { checkGridCanvas, gridCanvasSize } from './grid-size.js';
import type { RgbaImage } from './png.js';

/** The kind of each of `n` tokens: pivots and MIS picks apart, other kept tokens, pruned ones. */
export function selectionKinds(n: number, s: Selection): SelectionKind[] {
  const kinds = new Array<SelectionKind>(n).fill('dropped');
  for (const k of s.keep) kinds[k] = 'kept';
  for (const k of s.picks ?? []) kinds[k] = 'pick';
  for (const k of s.pivots ?? []) kinds[k] = 'pivot';
  return kinds;
}

/** The colour of a pruned token over the background: the app's, brighter with its attention `t` in [0, 1]. */
export function droppedColour(t = 0): number[] {
  const rgb = hexRgb(SELECTION_COLOURS.dropped);
  const alpha = DROPPED_OPACITY + 0.5 * t;
  return BACKGROUND.map((b, c) => Math.round(b * (1 - alpha) + rgb[c] * alpha));
}

/**
 * Draws a selection over the token grid in the web app's colours: one square per token, frames
 * side by side, pivots orange, MIS picks blue, other kept tokens green, pruned tokens dark,
 * brighter with their attention (when given). A drawing over render's pixel cap is a typed error
 * before anything is allocated (`checkGridCanvas`).
 */
export function renderSelection(layout: Layout, s: Selection, attention?: Float32Array, cell = 12): RgbaImage {
  checkGridCanvas(layout, cell);
  const offsets: number[] = [];
  let x = 0;
  for (const f of layout.frames) {
    offsets.push(x);
    x += (f.cols + 1) * cell;
  }
  const { width, height } = gridCanvasSize(layout, cell);
  const img = blankImage(width, height);
  const kinds = selectionKinds(layout.frame.length, s);
  let maxA = 0;
  if (attention) for (const a of attention) maxA = Math.max(maxA, a);
  for (let i = 0; i < kinds.length; i++) {
    const k = kinds[i];
    const colour = k === 'dropped' ? droppedColour(attention && maxA > 0 ? Math.sqrt(attention[i] / maxA) : 0) : hexRgb(SELECTION_COLOURS[k]);
    const x0 = offsets[layout.frame[i]] + layout.col[i] * cell;
    const y0 = layout.row[i] * cell;
    blendRect(img, x0 + 1, y0 + 1, x0 + cell - 1, y0 + cell - 1, colour);
  }
  return img;
}
