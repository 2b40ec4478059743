import { InvalidArgumentError, InvalidInputError, type Layout } from '@d2pruner/core';

/**
 * The most pixels `render` draws on the token grid (2^26 = 67,108,864, e.g. 8192×8192): 256 MiB
 * per RGBA copy, and the PNG path holds a few. Checked from the frame sizes and the legend's
 * width and height before anything is allocated.
 */
export const MAX_CANVAS_PIXELS = 2 ** 26;

/** The smallest `--cell` render accepts. */
export const MIN_CELL = 3;

/**
 * The size of the token-grid drawing at `cell` pixels per token: frames side by side, one cell of
 * gap between them, as tall as the tallest. Arithmetic only (doubles, exact far beyond any cap).
 */
export function gridCanvasSize(layout: Layout, cell: number): { width: number; height: number } {
  let width = 0;
  let height = 0;
  for (const f of layout.frames) {
    width += f.cols * cell + cell;
    height = Math.max(height, f.rows * cell);
  }
  return { width: Math.max(0, width - cell), height };
}

/** A strip drawn below the token grid (render's legend): its height, and the least width it takes. */
export interface BelowStrip {
  /** Its height in pixels. */
  height: number;
  /** Its least width in pixels: the image is as wide as the wider of grid and strip. */
  width: number;
}

/**
 * The size of the whole image: the token-grid drawing at `cell` pixels per token with `below`
 * (the legend) under it, as wide as the wider of the two (`stacked`).
 */
export function imageSize(layout: Layout, cell: number, below: BelowStrip = { width: 0, height: 0 }): { width: number; height: number } {
  const grid = gridCanvasSize(layout, cell);
  return { width: Math.max(grid.width, below.width), height: grid.height + below.height };
}

/**
 * Refuses an image over {@link MAX_CANVAS_PIXELS}: the token grid with `below` (the legend,
 * which may be wider than the grid) under it, as {@link imageSize} sizes it. Names `cell`
 * (`INVALID_ARGUMENT`) when a smaller `--cell` would fit, else the layout's source, `field`
 * (`layout`: `INVALID_INPUT`; `grid`: `INVALID_ARGUMENT`).
 */
export function checkGridCanvas(layout: Layout, cell: number, below: BelowStrip = { width: 0, height: 0 }, field = 'layout'): void {
  const pixels = (c: number) => {
    const { width, height } = imageSize(layout, c, below);
    return width * height;
  };
  if (pixels(cell) <= MAX_CANVAS_PIXELS) return;
  const at = imageSize(layout, cell, below);
  const legend = below.height > 0 || below.width > 0 ? ' with its legend' : '';
  const frames = layout.frames.length > 4 ? `${layout.frames.length} frames` : layout.frames.map((f) => `${f.rows}×${f.cols}`).join(' + ');
  let fits = cell - 1;
  while (fits >= MIN_CELL && pixels(fits) > MAX_CANVAS_PIXELS) fits--;
  if (fits >= MIN_CELL) {
    throw new InvalidArgumentError('cell', `--cell ${cell} draws the token grid (${frames})${legend} at ${at.width}×${at.height} pixels, over the ${MAX_CANVAS_PIXELS}-pixel cap; use --cell ${fits} or less`);
  }
  const message = `the token grid (${frames})${legend} needs ${pixels(MIN_CELL)} pixels even at --cell ${MIN_CELL}, over render's ${MAX_CANVAS_PIXELS}-pixel cap`;
  throw field === 'layout' ? new InvalidInputError(field, message) : new InvalidArgumentError(field, message);
}
