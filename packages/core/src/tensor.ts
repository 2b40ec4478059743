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
  const m = { rows: t.shape[0], cols: t.shape[1], data: t.data };
  assertMatrix(field, m);
  return m;
}

/**
 * Checks that `m` is a well-formed {@link Matrix} — integer `rows` and `cols` ≥ 0 and a
 * Float32Array `data` of exactly rows·cols values — so no kernel reads past its data or treats a
 * short array as zeros. SHAPE_MISMATCH naming `field` otherwise. Costs O(1).
 */
export function assertMatrix(field: string, m: unknown): asserts m is Matrix {
  if (typeof m !== 'object' || m === null) throw new ShapeMismatchError(field, `${field} must be a float32 matrix { rows, cols, data }`);
  const { rows, cols, data } = m as Partial<Matrix>;
  if (!(data instanceof Float32Array)) throw new ShapeMismatchError(field, `${field}.data must be a Float32Array`);
  if (typeof rows !== 'number' || typeof cols !== 'number' || !Number.isInteger(rows) || !Number.isInteger(cols) || rows < 0 || cols < 0) {
    throw new ShapeMismatchError(field, `${field} must have integer rows and cols ≥ 0, got [${String(rows)}, ${String(cols)}]`);
  }
  if (data.length !== rows * cols) throw new ShapeMismatchError(field, `${field} is declared [${rows}, ${cols}] but holds ${data.length} values`);
}

/** Checks that a tensor's data holds exactly the values its shape names (SHAPE_MISMATCH naming `field`), before anything reads it. */
function assertTensorSize(t: Tensor, field: string): void {
  if (!(t.data instanceof Float32Array)) throw new ShapeMismatchError(field, `${field}.data must be a Float32Array`);
  if (!t.shape.every((d) => Number.isInteger(d) && d >= 0) || shapeSize(t.shape) !== t.data.length) {
    throw new ShapeMismatchError(field, `${field} has shape [${t.shape.join(', ')}] but holds ${t.data.length} values`);
  }
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
 * checks that its data holds exactly the values its shape names, that every value is finite, and
 * that N equals `expected` when given.
 */
export function vectorOrHeadMean(t: Tensor, field: string, expected?: number): Float32Array {
  assertTensorSize(t, field);
  let out: Float32Array;
  if (t.shape.length === 1) {
    out = t.data;
  } else if (t.shape.length === 2) {
    const [h, n] = t.shape;
    if (h === 0) throw new InvalidInputError(field, `${field} has zero heads`);
    const acc = new Float64Array(n);
    // n = 0 holds no values whatever h says: no loop over its heads
    if (n > 0) for (let k = 0; k < h; k++) for (let i = 0; i < n; i++) acc[i] += t.data[k * n + i];
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
