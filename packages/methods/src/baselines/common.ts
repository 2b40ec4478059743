import {
  InvalidInputError,
  MissingTensorError,
  ShapeMismatchError,
  assertFinite,
  assertInteger,
  assertMatrix,
  assertTokenInput,
  type Matrix,
  type Selection,
  type TensorName,
  type TokenInput,
  MATRIX_TENSORS,
} from '@d2pruner/core';
import { assertFiniteF32, releaseStore } from '@d2pruner/kernels';

/*
 * Validation and bookkeeping shared by the baselines (docs/baselines.md §1.4–§1.5): typed errors
 * naming the tensor, trivial budgets, and the Selection every method returns.
 */

/** Checks the budget n: an integer ≥ 0 (field `keep`). */
export function checkBudget(budget: unknown): asserts budget is number {
  assertInteger('keep', budget);
}

/**
 * A matrix tensor the method consumes: missing → MissingTensorError, not a [rows, cols] matrix
 * or data of the wrong length → ShapeMismatchError, `rows` given and different → ShapeMismatchError.
 * Values are not checked here (see {@link checkFiniteMatrix}).
 */
export function requireMatrix(input: TokenInput, name: TensorName, needer: string, rows?: number): Matrix {
  assertTokenInput(input);
  const m = input[name] as unknown;
  if (m === undefined || m === null) throw new MissingTensorError(name, needer);
  return checkMatrix(name, m, rows);
}

/** Like {@link requireMatrix} but returns undefined when the tensor is absent. */
export function optionalMatrix(input: TokenInput, name: TensorName, rows?: number): Matrix | undefined {
  assertTokenInput(input);
  const m = input[name] as unknown;
  if (m === undefined || m === null) return undefined;
  return checkMatrix(name, m, rows);
}

function checkMatrix(name: TensorName, m: unknown, rows?: number): Matrix {
  assertMatrix(name, m);
  if (rows !== undefined && m.rows !== rows) {
    throw new ShapeMismatchError(name, `${name} has ${m.rows} rows but there are ${rows} visual tokens`);
  }
  return m;
}

/**
 * A vector tensor [N] the method consumes: missing → MissingTensorError, not a float32 vector or
 * the wrong length → ShapeMismatchError.
 */
export function requireVector(input: TokenInput, name: 'attention' | 'clsAttention' | 'prior', needer: string, length?: number): Float32Array {
  assertTokenInput(input);
  const v = input[name] as unknown;
  if (v === undefined || v === null) throw new MissingTensorError(name, needer);
  if (!(v instanceof Float32Array)) throw new ShapeMismatchError(name, `${name} must be a float32 vector [N]`);
  if (length !== undefined && v.length !== length) {
    throw new ShapeMismatchError(name, `${name} has ${v.length} entries but there are ${length} visual tokens`);
  }
  return v;
}

/** Two combined tensors must have the same width. */
export function checkSameCols(name: TensorName, m: Matrix, cols: number, other: TensorName): void {
  if (m.cols !== cols) throw new ShapeMismatchError(name, `${name} has ${m.cols} columns but ${other} has ${cols}`);
}

/** Every value of a consumed matrix must be finite (InvalidInputError naming the tensor). */
export function checkFiniteMatrix(name: TensorName, m: Matrix): void {
  assertFiniteF32(name, m.data);
}

/**
 * For a matrix a fused pass found non-finite: throws the InvalidInputError of
 * {@link checkFiniteMatrix}, naming the tensor and the first bad index.
 */
export function failFinite(name: TensorName, m: Matrix): never {
  assertFinite(name, m.data);
  throw new InvalidInputError(name, `${name} holds a value that is not finite`);
}

/** Throws InvalidInputError naming `field` unless `ok`. */
export function ensure(ok: boolean, field: string, message: string): void {
  if (!ok) throw new InvalidInputError(field, message);
}

/** [0, 1, …, n−1]. */
export function iota(n: number): number[] {
  return Array.from({ length: n }, (_, i) => i);
}

/** Indices sorted ascending, as a plain array. */
export function sortedIndices(ix: ArrayLike<number>): number[] {
  return Array.from(ix).sort((a, b) => a - b);
}

/** argmax of `values` over the unselected entries (ties → lowest index): `[index, value]`, index −1 when none exceeds −∞. */
export function argmaxUnselected(values: Float64Array, selected: Uint8Array): [number, number] {
  let j = -1;
  let best = -Infinity;
  for (let i = 0; i < values.length; i++) {
    if (!selected[i] && values[i] > best) {
      best = values[i];
      j = i;
    }
  }
  return [j, best];
}

/** The outcome of the trivial budgets of §1.4 step 2, or undefined for 0 < n < N. */
export function trivialKeep(n: number, budget: number): number[] | undefined {
  if (budget >= n) return iota(n);
  if (budget === 0) return [];
  return undefined;
}

/** Builds a Selection with `timings.totalMs` measured from `t0`. */
export function selection(
  method: string,
  n: number,
  budget: number,
  keep: number[],
  diagnostics: Record<string, unknown>,
  backend: string,
  t0: number,
  timings: Record<string, number> = {},
): Selection {
  return { method, n, budget, keep, ...diagnostics, backend, timings: { ...timings, totalMs: performance.now() - t0 } };
}

/**
 * Runs a selection, then hands the SIMD row stores of the input's matrices back to the pool
 * (their memory is reused by the next input instead of being mapped afresh).
 */
export async function releasingStores<T>(input: TokenInput, run: () => T | Promise<T>): Promise<T> {
  assertTokenInput(input);
  try {
    return await run();
  } finally {
    for (const name of MATRIX_TENSORS) {
      const m = input[name] as Matrix | undefined;
      if (m?.data instanceof Float32Array) releaseStore(m.data);
    }
  }
}

/** Throws the signal's reason when the caller aborted. */
export function checkAborted(signal: AbortSignal | undefined): void {
  signal?.throwIfAborted();
}
