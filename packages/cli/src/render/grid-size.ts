import { InvalidArgumentError, InvalidInputError, type Layout } from '@d2pruner/core';

/**
 * The most pixels `render` draws on the token grid (2^26 = 67,108,864, e.g. 8192×8192): 256 MiB
 * per RGBA copy, and the PNG path holds a few. Checked from the frame sizes before anything is
 * allocated, legend included.
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

/**
 * Refuses a token-grid drawing over {@link MAX_CANVAS_PIXELS} (with `extraRows` more rows, the
 * legend's): naming `cell` (`INVALID_ARGUMENT`) when a smaller `--cell` would fit, else the
 * layout's source, `field` (`layout`: `INVALID_INPUT`; `grid`: `INVALID_ARGUMENT`).
 */
export function checkGridCanvas(layout: Layout, cell: number, extraRows = 0, field = 'layout'): void {
  const pixels = (c: number) => {
    const { width, height } = gridCanvasSize(layout, c);
    return width * (height + extraRows);
  };
  if (pixels(cell) <= MAX_CANVAS_PIXELS) return;
  const at = gridCanvasSize(layout, cell);
  const frames = layout.frames.length > 4 ? `${layout.frames.length} frames` : layout.frames.map((f) => `${f.rows}×${f.cols}`).join(' + ');
  let fits = cell - 1;
  while (fits >= MIN_CELL && pixels(fits) > MAX_CANVAS_PIXELS) fits--;
  if (fits >= MIN_CELL) {
    throw new InvalidArgumentError('cell', `--cell ${cell} draws the token grid (${frames}) at ${at.width}×${at.height} pixels, over the ${MAX_CANVAS_PIXELS}-pixel cap; use --cell ${fits} or less`);
  }
  const message = `the token grid (${frames}) needs ${pixels(MIN_CELL)} pixels even at --cell ${MIN_CELL}, over render's ${MAX_CANVAS_PIXELS}-pixel cap`;
  throw field === 'layout' ? new InvalidInputError(field, message) : new InvalidArgumentError(field, message);
}
