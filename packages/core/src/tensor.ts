import { InvalidInputError, ShapeMismatchError } from './errors.js';
import { assertFinite } from './validate.js';

/** A dense row-major float32 tensor. */
export interface Tensor {
  /** Dimensions, outermost first. */
  shape: number[];
  /** Row-major values; length = product of `shape`. */
  data: Float32Array;
}

/** A row-major [rows, cols] matrix view over float32 data. */
export interface Matrix {
  /** Number of rows (tokens). */
  rows: number;
  /** Number of columns (feature width). */
  cols: number;
  /** Row-major values, length rows·cols. */
  data: Float32Array;
}

/** Product of a shape's dimensions. */
export function shapeSize(shape: readonly number[]): number {
  let s = 1;
  for (const d of shape) s *= d;
  return s;
}

/** Builds a tensor, checking that `data` has as many elements as `shape` says. */
export function tensor(data: Float32Array | number[], shape: number[], field = 'tensor'): Tensor {
  const arr = data instanceof Float32Array ? data : Float32Array.from(data);
  if (shapeSize(shape) !== arr.length) {
    throw new ShapeMismatchError(field, `${field}: shape [${shape.join(', ')}] needs ${shapeSize(shape)} values, got ${arr.length}`);
  }
  return { shape, data: arr };
}

/** Views a rank-2 tensor as a matrix; throws naming `field` when the rank is wrong. */
export function asMatrix(t: Tensor, field: string): Matrix {
  if (t.shape.length !== 2) {
    throw new ShapeMismatchError(field, `${field} must have rank 2 [rows, cols], got shape [${t.shape.join(', ')}]`);
  }
  return { rows: t.shape[0], cols: t.shape[1], data: t.data };
}

/** Builds a matrix from rows of numbers (tests, small fixtures). */
export function matrixFromRows(rows: readonly (readonly number[])[]): Matrix {
  const cols = rows.length ? rows[0].length : 0;
  const data = new Float32Array(rows.length * cols);
  rows.forEach((r, i) => {
    if (r.length !== cols) throw new ShapeMismatchError('rows', `row ${i} has ${r.length} values, expected ${cols}`);
    data.set(r, i * cols);
  });
  return { rows: rows.length, cols, data };
}

/**
 * Reduces a [N] or [H, N] tensor to a vector of length N (mean over heads, docs/formats.md §1),
 * checks that every value is finite, and that N equals `expected` when given.
 */
export function vectorOrHeadMean(t: Tensor, field: string, expected?: number): Float32Array {
  let out: Float32Array;
  if (t.shape.length === 1) {
    out = t.data;
  } else if (t.shape.length === 2) {
    const [h, n] = t.shape;
    if (h === 0) throw new InvalidInputError(field, `${field} has zero heads`);
    const acc = new Float64Array(n);
    for (let k = 0; k < h; k++) for (let i = 0; i < n; i++) acc[i] += t.data[k * n + i];
    out = new Float32Array(n);
    for (let i = 0; i < n; i++) out[i] = acc[i] / h;
  } else {
    throw new ShapeMismatchError(field, `${field} must be [N] or [H, N], got shape [${t.shape.join(', ')}]`);
  }
  assertFinite(field, t.data);
  if (expected !== undefined && out.length !== expected) {
    throw new ShapeMismatchError(field, `${field} has ${out.length} entries but there are ${expected} visual tokens`);
  }
  return out;
}
