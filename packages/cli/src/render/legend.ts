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

let labelImages: Promise<(RgbaImage | undefined)[]> | undefined;

/** Each kind's label set by sharp (once per process), or undefined each without sharp. */
function labels(): Promise<(RgbaImage | undefined)[]> {
  labelImages ??= optionalSharp().then((sharp) =>
    Promise.all(KINDS.map((kind) => (sharp ? rgba(sharp({ text: { text: `<span foreground="#e6e9f0">${SELECTION_LABELS[kind]}</span>`, font: 'sans 9', dpi: 96, rgba: true } })) : undefined))),
  );
  return labelImages;
}

/** The width the swatches and labels take: 6 px margin, then per kind a swatch and its label (or a gap). */
function neededWidth(images: readonly (RgbaImage | undefined)[]): number {
  return 6 + images.reduce((w, l) => w + 16 + (l ? l.width + 14 : 8), 0);
}

/**
 * The narrowest legend strip, in pixels: `legendStrip(width)` is `max(width, legendWidth())`
 * wide. Known before anything is drawn, so render can bound the whole image (grid and legend).
 */
export async function legendWidth(): Promise<number> {
  return neededWidth(await labels());
}

/**
 * A legend strip at least `width` pixels wide ({@link legendWidth} at the least): a swatch per
 * kind in the web app's colours, each followed by its label when sharp is installed to set the
 * text (otherwise swatches only).
 */
export async function legendStrip(width: number, droppedRgb: readonly number[]): Promise<RgbaImage> {
  const images = await labels();
  const strip = blankImage(Math.max(width, neededWidth(images)), LEGEND_HEIGHT);
  let x = 6;
  KINDS.forEach((kind, i) => {
    blendRect(strip, x, 6, x + 12, 18, kind === 'dropped' ? droppedRgb : hexRgb(SELECTION_COLOURS[kind]));
    x += 16;
    const label = images[i];
    if (label) drawImage(strip, label, x, Math.max(0, Math.round(12 - label.height / 2)));
    x += label ? label.width + 14 : 8;
  });
  return strip;
}
