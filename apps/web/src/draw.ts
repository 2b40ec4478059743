import { DROPPED_OPACITY, SELECTION_COLOURS, hexRgb, type Layout, type SelectionKind } from '@d2pruner/core';
import type { ObjectBox } from './scene.js';
import type { SelectionCore } from './compare.js';

/** How a token is drawn. */
export type TokenKind = SelectionKind;

/** Colours of the kinds: the palette `d2pruner render` uses too (the legend in style.css matches). */
export const KIND_COLOURS: Readonly<Record<TokenKind, string>> = {
  pivot: SELECTION_COLOURS.pivot,
  pick: SELECTION_COLOURS.pick,
  kept: SELECTION_COLOURS.kept,
  dropped: `rgba(${hexRgb(SELECTION_COLOURS.dropped).join(', ')}, ${DROPPED_OPACITY})`,
};

/**
 * The kind of each of `n` tokens: D2Pruner's pivots and MIS picks apart, other kept tokens
 * (methods without that split), and pruned ones.
 */
export function tokenKinds(n: number, s: SelectionCore): TokenKind[] {
  const kinds = new Array<TokenKind>(n).fill('dropped');
  for (const k of s.keep) if (k >= 0 && k < n) kinds[k] = 'kept';
  for (const k of s.picks ?? []) if (k >= 0 && k < n) kinds[k] = 'pick';
  for (const k of s.pivots ?? []) if (k >= 0 && k < n) kinds[k] = 'pivot';
  return kinds;
}

/** Where one frame of the layout is drawn. */
export interface FrameBox {
  frame: number;
  x: number;
  y: number;
  rows: number;
  cols: number;
}

/** The drawing geometry: frames side by side on one row, square cells of `cell` pixels. */
export interface Geometry {
  cell: number;
  width: number;
  height: number;
  boxes: FrameBox[];
}

/**
 * Longest side of a card's canvas, in pixels. A layout may declare up to 2^24 cells with a handful
 * of tokens (a 4096×4096 frame, a 1×2^24 strip, thousands of 1×1 frames): drawn at whole cells of
 * 2 px or more its canvas would be 8192×8192 (256 MiB of pixels per card) or wider than a browser
 * draws. Such a layout is scaled down (fractional cells and gaps) to fit this side.
 */
export const MAX_CANVAS_SIDE = 2048;

/**
 * Lays the layout's frames out left to right with `gap` pixels between them, with the largest
 * whole cell size (2…`maxCell`) that fits `maxWidth`; a layout that would still be drawn wider or
 * taller than {@link MAX_CANVAS_SIDE} is scaled down to fit it.
 */
export function geometry(layout: Layout, maxWidth: number, gap = 8, maxCell = 14): Geometry {
  const totalCols = layout.frames.reduce((a, f) => a + f.cols, 0);
  const maxRows = layout.frames.reduce((a, f) => Math.max(a, f.rows), 0);
  const gaps = gap * (layout.frames.length - 1);
  const whole = Math.max(2, Math.min(maxCell, Math.floor((maxWidth - gaps) / Math.max(1, totalCols))));
  const scale = Math.min(1, MAX_CANVAS_SIDE / Math.max(1, totalCols * whole + gaps), MAX_CANVAS_SIDE / Math.max(1, maxRows * whole));
  const cell = whole * scale;
  const gapPx = gap * scale;
  const boxes: FrameBox[] = [];
  let x = 0;
  layout.frames.forEach((f, frame) => {
    boxes.push({ frame, x, y: 0, rows: f.rows, cols: f.cols });
    x += f.cols * cell + gapPx;
  });
  return { cell, width: Math.max(0, Math.ceil(x - gapPx)), height: Math.ceil(maxRows * cell), boxes };
}

/** The pixel rectangle of token `i`. */
export function tokenRect(layout: Layout, g: Geometry, i: number): { x: number; y: number; w: number; h: number } {
  const b = g.boxes[layout.frame[i]];
  return { x: b.x + layout.col[i] * g.cell, y: b.y + layout.row[i] * g.cell, w: g.cell, h: g.cell };
}

/** What {@link drawSelection} draws. */
export interface DrawOptions {
  layout: Layout;
  kinds: readonly TokenKind[];
  geometry: Geometry;
  /** Drawn under the first frame when the layout has a single frame. */
  image?: CanvasImageSource;
  /** Ground-truth boxes, drawn on a single-frame layout. */
  objects?: readonly ObjectBox[];
}

/** Draws the token grid: pruned tokens dim (or the image showing through), kept ones coloured by kind. */
export function drawSelection(ctx: CanvasRenderingContext2D, o: DrawOptions): void {
  const { layout, kinds, geometry: g } = o;
  ctx.clearRect(0, 0, g.width, g.height);
  const single = layout.frames.length === 1;
  if (o.image && single) ctx.drawImage(o.image, 0, 0, g.boxes[0].cols * g.cell, g.boxes[0].rows * g.cell);
  for (const b of g.boxes) {
    ctx.fillStyle = o.image && single ? 'rgba(0,0,0,0.35)' : SELECTION_COLOURS.background;
    ctx.fillRect(b.x, b.y, b.cols * g.cell, b.rows * g.cell);
  }
  const inset = g.cell >= 6 ? 1 : 0;
  for (let i = 0; i < kinds.length; i++) {
    const k = kinds[i];
    const r = tokenRect(layout, g, i);
    if (k === 'dropped') {
      if (o.image && single) continue;
      ctx.fillStyle = KIND_COLOURS.dropped;
    } else {
      ctx.fillStyle = KIND_COLOURS[k];
      if (o.image && single) ctx.globalAlpha = 0.55;
    }
    ctx.fillRect(r.x + inset, r.y + inset, r.w - 2 * inset, r.h - 2 * inset);
    ctx.globalAlpha = 1;
  }
  if (single && o.objects?.length) {
    const b = g.boxes[0];
    const w = b.cols * g.cell;
    const h = b.rows * g.cell;
    ctx.strokeStyle = '#ffffff';
    ctx.lineWidth = 1.5;
    ctx.setLineDash([4, 3]);
    for (const ob of o.objects) ctx.strokeRect(b.x + ob.box[0] * w, b.y + ob.box[1] * h, (ob.box[2] - ob.box[0]) * w, (ob.box[3] - ob.box[1]) * h);
    ctx.setLineDash([]);
  }
}
