import { SELECTION_COLOURS, SELECTION_LABELS, hexRgb, type SelectionKind } from '@d2pruner/core';
import { blankImage, blendRect, drawImage } from './canvas.js';
import type { RgbaImage } from './png.js';
import { optionalSharp, rgba } from './sharp.js';

const KINDS: readonly SelectionKind[] = ['pivot', 'pick', 'kept', 'dropped'];

/** The legend strip's height in pixels. */
export const LEGEND_HEIGHT = 24;

/** One line naming the colours, for stderr (the image's legend needs sharp for its labels). */
export function legendText(): string {
  return KINDS.map((k) => `${SELECTION_COLOURS[k]} ${SELECTION_LABELS[k]}`).join(', ');
}

/**
 * A legend strip at least `width` pixels wide: a swatch per kind in the web app's colours, each
 * followed by its label when sharp is installed to set the text (otherwise swatches only).
 */
export async function legendStrip(width: number, droppedRgb: readonly number[]): Promise<RgbaImage> {
  const sharp = await optionalSharp();
  const labels = await Promise.all(
    KINDS.map((kind) => (sharp ? rgba(sharp({ text: { text: `<span foreground="#e6e9f0">${SELECTION_LABELS[kind]}</span>`, font: 'sans 9', dpi: 96, rgba: true } })) : undefined)),
  );
  const needed = 6 + labels.reduce((w, l) => w + 16 + (l ? l.width + 14 : 8), 0);
  const strip = blankImage(Math.max(width, needed), LEGEND_HEIGHT);
  let x = 6;
  KINDS.forEach((kind, i) => {
    blendRect(strip, x, 6, x + 12, 18, kind === 'dropped' ? droppedRgb : hexRgb(SELECTION_COLOURS[kind]));
    x += 16;
    const label = labels[i];
    if (label) drawImage(strip, label, x, Math.max(0, Math.round(12 - label.height / 2)));
    x += label ? label.width + 14 : 8;
  });
  return strip;
}
