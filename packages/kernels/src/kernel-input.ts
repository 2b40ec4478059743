import { assertInteger, assertMatrix, assertNumber, InvalidInputError, ShapeMismatchError, UnknownNameError } from '@d2pruner/core';
import type {
  CosineMatrixInput,
  DppUpdateInput,
  EdgeBitsetInput,
  KernelInput,
  KernelName,
  MaxMinUpdateInput,
  MaxSimilarityInput,
  SimilarityRowsInput,
} from './names.js';
import { KERNEL_NAMES } from './names.js';
import type { EdgeBlockInput } from './edge-block.js';

/*
 * The checks every kernel call passes before a backend is chosen (KernelRegistry.run) or the CPU
 * reference runs (runCpuKernel): shapes, typed-array kinds, index ranges and scalars. Each is
 * O(1) or O(length of the index arrays), never O(rows·cols): the values of the matrices are not
 * read (their finiteness is the caller's business, as before).
 */

/** Throws InvalidInputError naming `field` unless `v` is an object. */
function assertObject(field: string, v: unknown): asserts v is Record<string, unknown> {
  if (typeof v !== 'object' || v === null) throw new InvalidInputError(field, `${field} must be an object, got ${v === null ? 'null' : typeof v}`);
}

/** Throws ShapeMismatchError naming `field` unless `v` is a Float64Array of exactly `length` values. */
function assertF64(field: string, v: unknown, length: number): asserts v is Float64Array {
  if (!(v instanceof Float64Array)) throw new ShapeMismatchError(field, `${field} must be a Float64Array`);
  if (v.length !== length) throw new ShapeMismatchError(field, `${field} must hold ${length} values, got ${v.length}`);
}

/** Throws ShapeMismatchError naming `field` unless `v` is an Int32Array of exactly `length` values. */
function assertI32(field: string, v: unknown, length: number): asserts v is Int32Array {
  if (!(v instanceof Int32Array)) throw new ShapeMismatchError(field, `${field} must be an Int32Array`);
  if (v.length !== length) throw new ShapeMismatchError(field, `${field} must hold ${length} values, got ${v.length}`);
}

/**
 * Throws unless `ix` is an Int32Array whose every entry is a row of a matrix with `rows` rows,
 * i.e. in [0, rows): SHAPE_MISMATCH for another kind of array, INVALID_INPUT naming `field` and
 * the first bad position otherwise. One unsigned compare per entry.
 */
export function assertRowIndices(field: string, ix: unknown, rows: number): asserts ix is Int32Array {
  if (!(ix instanceof Int32Array)) throw new ShapeMismatchError(field, `${field} must be an Int32Array of row indices`);
  for (let i = 0; i < ix.length; i++) {
    // negative entries become ≥ 2³¹ as unsigned: one compare catches both ends
    if (ix[i] >>> 0 >= rows) throw new InvalidInputError(field, `${field}[${i}] is ${ix[i]}; row indices must lie in [0, ${rows})`);
  }
}

/** Throws unless `v` is an integer row index in [0, rows) (INVALID_INPUT naming `field`). */
function assertRow(field: string, v: unknown, rows: number): asserts v is number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v >= rows) {
    throw new InvalidInputError(field, `${field} must be an integer row index in [0, ${rows}), got ${String(v)}`);
  }
}

/**
 * The flat matrix of the baseline kernels (`x`, `rows`, `cols`): integer `rows`, `cols` ≥ 0, `x`
 * a Float32Array of exactly rows·cols values, and `norms` a Float64Array of one value per row.
 */
function assertFlat(input: Record<string, unknown>): asserts input is Record<string, unknown> & MaxSimilarityInput {
  assertInteger('rows', input.rows);
  assertInteger('cols', input.cols);
  const { x, rows, cols } = input;
  if (!(x instanceof Float32Array)) throw new ShapeMismatchError('x', 'x must be a Float32Array');
  if (x.length !== rows * cols) throw new ShapeMismatchError('x', `x is declared [${rows}, ${cols}] but holds ${x.length} values`);
  assertF64('norms', input.norms, rows);
}

/** Checks of each kernel's input (the input is known to be an object). */
const CHECKS: { [K in KernelName]: (input: Record<string, unknown>) => void } = {
  rowNorms: (i) => assertMatrix('x', i.x),
  headMean: (i) => assertMatrix('x', i.x),
  similarityRows: (i) => {
    const { x, queries, candidates } = i as unknown as SimilarityRowsInput;
    assertMatrix('x', x);
    assertRowIndices('queries', queries, x.rows);
    assertRowIndices('candidates', candidates, x.rows);
  },
  cosineMatrix: (i) => {
    const { x, subset } = i as unknown as CosineMatrixInput;
    assertMatrix('x', x);
    if (subset !== undefined) assertRowIndices('subset', subset, x.rows);
  },
  edgeBlock: (i) => {
    const { x, subset, alpha, theta, perturb } = i as unknown as EdgeBlockInput;
    assertMatrix('x', x);
    assertRowIndices('subset', subset, x.rows);
    assertNumber('alpha', alpha);
    assertNumber('theta', theta);
    if (perturb !== undefined) assertNumber('perturb', perturb);
  },
  edgeBitset: (i) => {
    const { cos, k, frame, row, col, alpha, theta, radius } = i as unknown as EdgeBitsetInput;
    assertInteger('k', k);
    if (!(cos instanceof Float32Array)) throw new ShapeMismatchError('cos', 'cos must be a Float32Array');
    if (cos.length !== k * k) throw new ShapeMismatchError('cos', `cos must hold k·k = ${k * k} values, got ${cos.length}`);
    assertI32('frame', frame, k);
    assertI32('row', row, k);
    assertI32('col', col, k);
    assertNumber('alpha', alpha);
    assertNumber('theta', theta);
    assertNumber('radius', radius);
  },
  maxSimilarity: (i) => {
    assertFlat(i);
    assertRowIndices('queries', i.queries, i.rows);
    assertRowIndices('candidates', i.candidates, i.rows);
  },
  maxMinUpdate: (i) => {
    assertFlat(i);
    const { rows, j, minDist } = i as unknown as MaxMinUpdateInput;
    assertRow('j', j, rows);
    assertF64('minDist', minDist, rows);
  },
  dppUpdate: (i) => {
    assertFlat(i);
    const { rows, j, c, t, relevance, d2 } = i as unknown as DppUpdateInput;
    assertRow('j', j, rows);
    assertF64('relevance', relevance, rows);
    assertF64('d2', d2, rows);
    assertInteger('t', t);
    if (!(c instanceof Float64Array)) throw new ShapeMismatchError('c', 'c must be a Float64Array');
    if (c.length < t * rows) throw new ShapeMismatchError('c', `c must hold t·rows = ${t * rows} values (t previous rows), got ${c.length}`);
  },
};

/** True when `name` is a kernel name (not inherited from Object.prototype). */
export function isKernelName(name: unknown): name is KernelName {
  return typeof name === 'string' && (KERNEL_NAMES as readonly string[]).includes(name);
}

/**
 * Checks a kernel call before any backend runs it, so every backend refuses the same invalid
 * input the same way: the kernel name (UNKNOWN_NAME, field `kernel`), then the input's shapes —
 * matrices `{ data: Float32Array, rows, cols }` with integer sizes and rows·cols values, the
 * flat `x`/`rows`/`cols` of the baseline kernels, one float64 value per row where the kernel
 * reads one — index arrays (Int32Array, every entry a row: `queries`, `candidates`, `subset`),
 * row numbers (`j`), `t` against the rows `c` holds, and finite scalars. Typed errors name the
 * field at fault. Costs O(1) plus one pass over the index arrays; matrix values are not read.
 */
export function assertKernelInput<K extends KernelName>(kernel: K, input: unknown): asserts input is KernelInput<K> {
  if (!isKernelName(kernel)) throw new UnknownNameError('kernel', String(kernel), KERNEL_NAMES);
  assertObject('input', input);
  CHECKS[kernel](input);
}
