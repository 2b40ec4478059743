import { InvalidInputError, ShapeMismatchError } from './errors.js';

/** Size of one 2-D canvas (frame) of a layout. */
export interface FrameSize {
  rows: number;
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
  frames: FrameSize[];
  frame: number[];
  row: number[];
  col: number[];
}

/** A single rows×cols frame in raster order: token k at (k div cols, k mod cols). */
export function gridLayout(rows: number, cols: number): Layout {
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
      throw new InvalidInputError(field, `${field}[${i}] must be a non-negative integer, got ${JSON.stringify(x)}`);
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
 * Checks that a layout describes exactly `n` tokens and that every coordinate lies on its frame.
 * Throws a typed error naming the field otherwise.
 */
export function validateLayout(layout: Layout, n: number): void {
  for (const key of ['frame', 'row', 'col'] as const) {
    if (layout[key].length !== n) {
      throw new ShapeMismatchError(`layout.${key}`, `layout.${key} has ${layout[key].length} entries but there are ${n} visual tokens`);
    }
  }
  const nf = layout.frames.length;
  for (let i = 0; i < n; i++) {
    const f = layout.frame[i];
    if (f < 0 || f >= nf) throw new InvalidInputError('layout.frame', `layout.frame[${i}] = ${f} but there are ${nf} frames`);
    const { rows, cols } = layout.frames[f];
    if (layout.row[i] < 0 || layout.row[i] >= rows) {
      throw new InvalidInputError('layout.row', `layout.row[${i}] = ${layout.row[i]} is outside frame ${f} (${rows} rows)`);
    }
    if (layout.col[i] < 0 || layout.col[i] >= cols) {
      throw new InvalidInputError('layout.col', `layout.col[${i}] = ${layout.col[i]} is outside frame ${f} (${cols} cols)`);
    }
  }
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

/** The layout of a subset of tokens (e.g. the kept ones), in the order of `indices`. */
export function subsetLayout(layout: Layout, indices: ArrayLike<number>): Layout {
  const pick = (a: Int32Array) => Int32Array.from({ length: indices.length }, (_, k) => a[indices[k]]);
  return { frames: layout.frames.map((f) => ({ ...f })), frame: pick(layout.frame), row: pick(layout.row), col: pick(layout.col) };
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
