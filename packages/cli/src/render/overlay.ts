import type { Layout, Selection } from '@d2pruner/core';
import type { RgbaImage } from './png.js';

/** Colours of the overlay (RGBA). */
export const OVERLAY_COLOURS = {
  pivot: [230, 57, 70, 255],
  pick: [29, 120, 230, 255],
  kept: [46, 160, 67, 255],
  dropped: [40, 40, 46, 255],
  gap: [255, 255, 255, 255],
} as const;

/**
 * Draws a selection over the token grid: one square per token, frames side by side, pivots red,
 * MIS picks blue, other kept tokens green, dropped tokens dark with brightness following their
 * attention (when given).
 */
export function renderSelection(layout: Layout, s: Selection, attention?: Float32Array, cell = 12): RgbaImage {
  const gap = cell;
  const offsets: number[] = [];
  let width = 0;
  let height = 0;
  for (const f of layout.frames) {
    offsets.push(width);
    width += f.cols * cell + gap;
    height = Math.max(height, f.rows * cell);
  }
  width -= gap;
  const data = new Uint8Array(width * height * 4);
  for (let i = 0; i < data.length; i += 4) data.set(OVERLAY_COLOURS.gap, i);
  const keep = new Set(s.keep);
  const pivots = new Set(s.pivots ?? []);
  const picks = new Set(s.picks ?? []);
  let maxA = 0;
  if (attention) for (const a of attention) maxA = Math.max(maxA, a);
  for (let i = 0; i < layout.frame.length; i++) {
    let colour: readonly number[];
    if (pivots.has(i)) colour = OVERLAY_COLOURS.pivot;
    else if (picks.has(i)) colour = OVERLAY_COLOURS.pick;
    else if (keep.has(i)) colour = OVERLAY_COLOURS.kept;
    else {
      const t = attention && maxA > 0 ? Math.sqrt(attention[i] / maxA) : 0;
      const g = Math.round(40 + 120 * t);
      colour = [g, g, g + 6, 255];
    }
    const x0 = offsets[layout.frame[i]] + layout.col[i] * cell;
    const y0 = layout.row[i] * cell;
    for (let y = y0 + 1; y < y0 + cell - 1; y++) for (let x = x0 + 1; x < x0 + cell - 1; x++) data.set(colour, (y * width + x) * 4);
  }
  return { width, height, data };
}
