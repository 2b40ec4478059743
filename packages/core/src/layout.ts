import { InvalidInputError, ShapeMismatchError, quoteValue } from './errors.js';

/** Size of one 2-D canvas (frame) of a layout. */
export interface FrameSize {
  /** Rows of the frame's grid. */
  rows: number;
  /** Columns of the frame's grid. */
  cols: number;
}

/**
 * Spatial coordinates of N visual tokens: each token sits at (`row`, `col`) on canvas `frame`
 * (docs/algorithm.md §5, docs/formats.md §1).
 */
export interface Layout {
  /** The canvases, indexed by frame number. */
  frames: FrameSize[];
  /** Frame of each token, length N. */
  frame: Int32Array;
  /** Row of each token on its frame, length N. */
  row: Int32Array;
  /** Column of each token on its frame, length N. */
  col: Int32Array;
}

/** The JSON form stored in the `d2pruner.layout` metadata entry. */
export interface LayoutJson {
  /** Size of each frame. */
  frames: FrameSize[];
  /** Frame of each token. */
  frame: number[];
  /** Row of each token on its frame. */
  row: number[];
  /** Column of each token on its frame. */
  col: number[];
}

/**
 * Largest number of cells (Σ rows×cols over the frames) a layout may declare: 2^24, e.g. 4096×4096.
 * Checked from the frame sizes alone, before anything is allocated; no code path allocates per
 * cell beyond a small multiple of N (see `layoutCellIndex`), so this bounds only arithmetic.
 */
export const LAYOUT_MAX_CELLS = 2 ** 24;

/** Σ rows×cols over the frames (a double: exact up to 2^53). */
export function layoutCells(frames: readonly FrameSize[]): number {
  let cells = 0;
  for (const f of frames) cells += f.rows * f.cols;
  return cells;
}

/** Throws `INVALID_INPUT` naming `field` when the frames declare more than {@link LAYOUT_MAX_CELLS} cells. */
export function checkLayoutCells(frames: readonly FrameSize[], field = 'layout'): void {
  const cells = layoutCells(frames);
  if (cells > LAYOUT_MAX_CELLS) {
    const sizes = frames.length > 4 ? `${frames.length} frames` : frames.map((f) => `${f.rows}×${f.cols}`).join(' + ');
    throw new InvalidInputError(field, `${field} declares ${cells} cells (${sizes}); at most ${LAYOUT_MAX_CELLS} are accepted`);
  }
}

/** A single rows×cols frame in raster order: token k at (k div cols, k mod cols). At most {@link LAYOUT_MAX_CELLS} cells (field `grid`). */
export function gridLayout(rows: number, cols: number): Layout {
  if (!Number.isSafeInteger(rows) || !Number.isSafeInteger(cols) || rows < 0 || cols < 0) throw new InvalidInputError('grid', `grid must be RxC with non-negative integers, got ${rows}x${cols}`);
  checkLayoutCells([{ rows, cols }], 'grid');
  const n = rows * cols;
  const frame = new Int32Array(n);
  const row = new Int32Array(n);
  const col = new Int32Array(n);
  for (let k = 0; k < n; k++) {
    row[k] = Math.floor(k / cols);
    col[k] = k % cols;
  }
  return { frames: [{ rows, cols }], frame, row, col };
}

/**
 * The default layout when a file carries none: one square frame if N is a perfect square,
 * otherwise a typed error asking for `--grid` or a model adapter (docs/formats.md §1).
 */
export function defaultLayout(n: number): Layout {
  const side = Math.round(Math.sqrt(n));
  if (side * side !== n) {
    throw new InvalidInputError(
      'layout',
      `the input carries no layout and N = ${n} is not a perfect square; pass a layout (--grid RxC or --model ID --image WxH)`,
    );
  }
  return gridLayout(side, side);
}

function intArray(field: string, v: unknown): Int32Array {
  if (!Array.isArray(v)) throw new InvalidInputError(field, `${field} must be an array of integers`);
  const out = new Int32Array(v.length);
  for (let i = 0; i < v.length; i++) {
    const x = v[i];
    if (typeof x !== 'number' || !Number.isInteger(x) || x < 0 || x > 0x7fffffff) {
      throw new InvalidInputError(field, `${field}[${i}] must be a non-negative integer, got ${quoteValue(x)}`);
    }
    out[i] = x;
  }
  return out;
}

/** Parses and validates the `d2pruner.layout` JSON (string or object). */
export function parseLayout(json: string | unknown): Layout {
  let obj: unknown = json;
  if (typeof json === 'string') {
    try {
      obj = JSON.parse(json);
    } catch {
      throw new InvalidInputError('layout', 'layout metadata is not valid JSON');
    }
  }
  if (typeof obj !== 'object' || obj === null) throw new InvalidInputError('layout', 'layout must be an object');
  const o = obj as Record<string, unknown>;
  if (!Array.isArray(o.frames) || o.frames.length === 0) {
    throw new InvalidInputError('layout.frames', 'layout.frames must be a non-empty array of {rows, cols}');
  }
  const frames = o.frames.map((f: unknown, i: number) => {
    const fr = f as Record<string, unknown> | null;
    const rows = fr?.rows;
    const cols = fr?.cols;
    if (typeof rows !== 'number' || typeof cols !== 'number' || !Number.isInteger(rows) || !Number.isInteger(cols) || rows < 1 || cols < 1) {
      throw new InvalidInputError(`layout.frames[${i}]`, `layout.frames[${i}] must have positive integer rows and cols`);
    }
    return { rows, cols };
  });
  checkLayoutCells(frames);
  const layout: Layout = {
    frames,
    frame: intArray('layout.frame', o.frame),
    row: intArray('layout.row', o.row),
    col: intArray('layout.col', o.col),
  };
  validateLayout(layout, layout.frame.length);
  return layout;
}

/**
 * Checks that a layout describes exactly `n` tokens, declares at most {@link LAYOUT_MAX_CELLS}
 * cells, that every coordinate lies on its frame and that no two tokens share a cell (field
 * `layout`: the graph's spatial rule and `uniform` are only defined for one token per cell).
 * For untyped callers it also checks the shape of the object: `layout` an object, every frame
 * `{ rows, cols }` with integers ≥ 0 (field `layout.frames[i]`), `frame`, `row` and `col`
 * arrays (SHAPE_MISMATCH naming them) of integers. Throws a typed error naming the field
 * otherwise. Memory O(N) whatever the frame sizes.
 */
export function validateLayout(layout: Layout, n: number): void {
  if (typeof layout !== 'object' || layout === null) throw new InvalidInputError('layout', `layout must be an object { frames, frame, row, col }, got ${quoteValue(layout)}`);
  if (!Array.isArray(layout.frames) || layout.frames.length === 0) throw new InvalidInputError('layout.frames', 'layout.frames must be a non-empty array of {rows, cols}');
  layout.frames.forEach((f: unknown, i: number) => {
    const fr = f as Partial<FrameSize> | null;
    if (typeof fr !== 'object' || fr === null || !Number.isSafeInteger(fr.rows) || !Number.isSafeInteger(fr.cols) || (fr.rows as number) < 0 || (fr.cols as number) < 0) {
      throw new InvalidInputError(`layout.frames[${i}]`, `layout.frames[${i}] must be { rows, cols } with integers ≥ 0, got ${quoteValue(f)}`);
    }
  });
  checkLayoutCells(layout.frames);
  for (const key of ['frame', 'row', 'col'] as const) {
    const a = layout[key] as unknown;
    if (!Array.isArray(a) && !(ArrayBuffer.isView(a) && !(a instanceof DataView))) {
      throw new ShapeMismatchError(`layout.${key}`, `layout.${key} must be an Int32Array [N] (one entry per token), got ${a === null ? 'null' : typeof a}`);
    }
    if ((a as ArrayLike<unknown>).length !== n) {
      throw new ShapeMismatchError(`layout.${key}`, `layout.${key} has ${(a as ArrayLike<unknown>).length} entries but there are ${n} visual tokens`);
    }
  }
  const nf = layout.frames.length;
  // the per-token loop reads arrays only (frame sizes copied once), not the caller's objects
  const frameRows = Float64Array.from(layout.frames, (f) => f.rows);
  const frameCols = Float64Array.from(layout.frames, (f) => f.cols);
  const { frame, row, col } = layout;
  for (let i = 0; i < n; i++) {
    const f = frame[i];
    if (!Number.isInteger(f) || f < 0 || f >= nf) throw new InvalidInputError('layout.frame', `layout.frame[${i}] = ${quoteValue(f)} but there are ${nf} frames`);
    const rows = frameRows[f];
    const cols = frameCols[f];
    const r = row[i];
    const c = col[i];
    if (!Number.isInteger(r) || r < 0 || r >= rows) {
      throw new InvalidInputError('layout.row', `layout.row[${i}] = ${quoteValue(r)} is outside frame ${f} (${rows} rows)`);
    }
    if (!Number.isInteger(c) || c < 0 || c >= cols) {
      throw new InvalidInputError('layout.col', `layout.col[${i}] = ${quoteValue(c)} is outside frame ${f} (${cols} cols)`);
    }
  }
  const index = layoutCellIndex(layout);
  if (index.duplicate) {
    const [a, b] = index.duplicate;
    throw new InvalidInputError('layout', `tokens ${a} and ${b} share frame ${layout.frame[b]}, row ${layout.row[b]}, col ${layout.col[b]}; a layout puts at most one token on a cell`);
  }
}

/** Cell → token lookup of a layout whose coordinates are in range (see {@link layoutCellIndex}). */
export interface LayoutCellIndex {
  /** The token on cell (`row`, `col`) of `frame`, or -1. */
  at(frame: number, row: number, col: number): number;
  /** The first two tokens found on one cell, when any cell holds two. */
  readonly duplicate?: [number, number];
  /** The dense table, when one is used: token at `table[offsets[frame] + row·cols + col]` (hot loops index it directly). */
  readonly dense?: { readonly table: Int32Array; readonly offsets: Float64Array };
}

/**
 * Builds a cell → token lookup: a dense table when the frames have at most 4N + 4096 cells
 * (every real layout), else a hash map, so memory grows with N and not with rows×cols.
 * Coordinates must already be checked against the frames.
 */
export function layoutCellIndex(layout: Layout): LayoutCellIndex {
  const { frames, frame, row, col } = layout;
  const n = frame.length;
  const offsets = new Float64Array(frames.length);
  let cells = 0;
  frames.forEach((f, i) => {
    offsets[i] = cells;
    cells += f.rows * f.cols;
  });
  const key = (f: number, r: number, c: number) => offsets[f] + r * frames[f].cols + c;
  let duplicate: [number, number] | undefined;
  if (cells <= 4 * n + 4096) {
    const table = new Int32Array(cells).fill(-1);
    for (let i = 0; i < n; i++) {
      const k = key(frame[i], row[i], col[i]);
      if (table[k] >= 0) duplicate ??= [table[k], i];
      else table[k] = i;
    }
    return { at: (f, r, c) => table[key(f, r, c)], duplicate, dense: { table, offsets } };
  }
  const map = new Map<number, number>();
  for (let i = 0; i < n; i++) {
    const k = key(frame[i], row[i], col[i]);
    const prev = map.get(k);
    if (prev !== undefined) duplicate ??= [prev, i];
    else map.set(k, i);
  }
  return { at: (f, r, c) => map.get(key(f, r, c)) ?? -1, duplicate };
}

/** Converts a layout to its JSON metadata form. */
export function layoutToJson(layout: Layout): LayoutJson {
  return {
    frames: layout.frames.map((f) => ({ rows: f.rows, cols: f.cols })),
    frame: Array.from(layout.frame),
    row: Array.from(layout.row),
    col: Array.from(layout.col),
  };
}

/**
 * The layout of a subset of tokens (e.g. the kept ones), in the order of `indices`. An index
 * that is not an integer in [0, N) is INVALID_INPUT naming `indices`.
 */
export function subsetLayout(layout: Layout, indices: ArrayLike<number>): Layout {
  const n = layout.frame.length;
  for (let k = 0; k < indices.length; k++) {
    const i = indices[k];
    if (!Number.isInteger(i) || i < 0 || i >= n) throw new InvalidInputError('indices', `indices[${k}] is ${String(i)}; token indices are integers in [0, ${n})`);
  }
  const pick = (a: Int32Array) => Int32Array.from({ length: indices.length }, (_, k) => a[indices[k]]);
  return { frames: layout.frames.map((f) => ({ rows: f.rows, cols: f.cols })), frame: pick(layout.frame), row: pick(layout.row), col: pick(layout.col) };
}

/** A layout in words for messages: frame sizes and token count (`24×24, 576 tokens`). */
export function describeLayout(layout: Layout): string {
  return `${layout.frames.map((f) => `${f.rows}×${f.cols}`).join(' + ')}, ${layout.frame.length} tokens`;
}

/**
 * A short stable string identifying a layout: frame sizes, token count and a hash of every
 * coordinate. Priors are keyed by it (docs/algorithm.md §6), so two inputs share a prior only when
 * their tokens sit at the same places.
 */
export function layoutSignature(layout: Layout): string {
  let h = 0x811c9dc5;
  const mix = (x: number) => {
    h ^= x & 0xff;
    h = Math.imul(h, 0x01000193);
    h ^= (x >>> 8) & 0xff;
    h = Math.imul(h, 0x01000193);
    h ^= (x >>> 16) & 0xff;
    h = Math.imul(h, 0x01000193);
  };
  const n = layout.frame.length;
  for (let i = 0; i < n; i++) {
    mix(layout.frame[i]);
    mix(layout.row[i]);
    mix(layout.col[i]);
  }
  const frames = layout.frames.map((f) => `${f.rows}x${f.cols}`).join('+');
  return `${frames}:n${n}:${(h >>> 0).toString(16).padStart(8, '0')}`;
}
