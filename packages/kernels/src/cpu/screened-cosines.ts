import { allFinite } from '@d2pruner/core';
import { cosineFromDot } from './linalg.js';
import { blockRows, paddedCols, scanBlocks, ScanMemory } from './row-scan.js';
import { SIMD_MIN_COLS } from './baseline-kernels.js';

/*
 * Cosines of every row of a big matrix with a few vectors, screened in float32 SIMD with a
 * proven bound and exact (double) on demand — for selections that only need the exact value
 * of the few rows near their decision (DART's bottom-k, VisionZip's argmax).
 */

/** Squared norms within which the float32 screen is valid (no overflow; underflow negligible). */
const SAFE_SUMSQ: readonly [number, number] = [1e-30, 1e36];

/**
 * |screened cosine − exact cosine| ≤ this for rows of `cols` floats through `dots2x4F32`: each
 * lane sums ⌈cols/4⌉ products, then 2 levels of reduction, so dot and sum of squares are each
 * within γ_m·‖a‖‖b‖ (m = ⌈cols/4⌉ + 5, u = 2⁻²⁴); the cosine dot/(ñ_a·ñ_b) with both norms from
 * float32 sums of squares is then within 4.1·γ_m; 5·γ_m plus slack for the double arithmetic
 * (the screened value is d̃·(1/ñ_a)·(1/ñ_b), a few more roundings of 2⁻⁵³).
 */
export function screenBound(cols: number): number {
  const m = Math.ceil(paddedCols(cols) / 4) + 5;
  const u = 2 ** -24;
  return (5 * m * u) / (1 - m * u) + 1e-12;
}

/** Cosines of every row with each vector: screened values, their bound and the exact values on demand. */
export interface CosineScreen {
  /**
   * Row-major [rows × vectors]: `approx[j·vectors + v]` is a float32-screened cosine of row j
   * with vector v within {@link eps} of the exact one, or NaN where the screen does not apply
   * (norms out of range: compute {@link exact}).
   */
  approx: Float64Array;
  /** Number of vectors (the row length of {@link approx}). */
  vectors: number;
  /** The screen's bound. */
  eps: number;
  /** The exact cosine of vector v with row j: cosineFromDot of the double-precision dot and norms. */
  exact(v: number, j: number): number;
  /** Exact norm of row j (double). */
  rowNorm(j: number): number;
  /** Exact norm of vector v (double). */
  vectorNorm(v: number): number;
  /** Hands the WebAssembly instance back to its pool; call when done with {@link exact}. */
  release(): void;
}

/**
 * Screens the cosines of rows of `x` ([rows, cols]) with `vectors` (each `cols` floats) in one
 * pass over `x`, which also checks that `x` is finite: returns undefined when it is not. Exact
 * values use the same double-precision dot as `pairDot` (SIMD for rows of ≥ 32 columns, the
 * scalar loop below), so they are bit-identical to it. Without SIMD every value is exact.
 */
export function screenCosines(x: Float32Array, rows: number, cols: number, vectors: Float32Array[]): CosineScreen | undefined {
  const setup = screenSetup(x, rows, cols, vectors);
  const { mem, stride, groups, exact, rowNorm, vectorNorm } = setup;
  const nv = vectors.length;
  // every entry is written below (NaN where a norm is out of range: its reciprocal is NaN)
  const approx = new Float64Array(rows * nv);
  if (!mem) {
    if (!allFinite(x)) return undefined;
    for (let j = 0; j < rows; j++) for (let v = 0; v < nv; v++) approx[j * nv + v] = exact(v, j);
    return { approx, vectors: nv, eps: 0, exact, rowNorm, vectorNorm, release: () => undefined };
  }
  const out = mem.at('out');
  const invVec = setup.vectorNorms.map((v) => 1 / v);
  const invRow = new Float64Array(setup.per + 1);
  const ok = scanBlocks(mem, x, rows, cols, (first, r0, count) => {
    const pairs = padPair(mem, first, count, stride);
    for (let g = 0; g < groups; g++) {
      (g === 0 ? mem.wasm.dots2x4F32 : mem.wasm.dots2x4F32NoSq)(first, pairs, stride, mem.at('vecs') + g * 16 * stride, out);
      const h = mem.heap().f32;
      const last = Math.min(4, nv - 4 * g);
      for (let r = 0, o = out >> 2; r < count; r++, o += 5) {
        if (g === 0) invRow[r] = inverseNorm(h[o + 4]);
        const a = (r0 + r) * nv + 4 * g;
        for (let p = 0; p < last; p++) approx[a + p] = h[o + p] * invRow[r] * invVec[4 * g + p];
      }
    }
  });
  if (!ok) {
    mem.release();
    return undefined;
  }
  return { approx, vectors: nv, eps: screenBound(cols), exact, rowNorm, vectorNorm, release: () => mem.release() };
}

/** 1/√s for a float32 sum of squares within the safe range, NaN outside it (the row is not screened). */
export function inverseNorm(sq: number): number {
  return sq >= SAFE_SUMSQ[0] && sq <= SAFE_SUMSQ[1] ? 1 / Math.sqrt(sq) : Number.NaN;
}

/** The pair kernels take rows two at a time: an odd (copied) block gets a zero row after it, whose results are unused. */
export function padPair(mem: ScanMemory, first: number, count: number, stride: number): number {
  if (count & 1) mem.heap().f32.fill(0, (first >> 2) + count * stride, (first >> 2) + (count + 1) * stride);
  return count + (count & 1);
}

/** What both screens share: the memory (in place or pooled), the vectors laid out, exact values. */
export interface ScreenSetup {
  /** The kernels' memory, undefined without SIMD. */
  mem: ScanMemory | undefined;
  /** Floats per padded row. */
  stride: number;
  /** Rows per block of the pass. */
  per: number;
  /** Groups of 4 interleaved vectors. */
  groups: number;
  /** Double norm of each vector from its double sum of squares, NaN outside the safe range. */
  vectorNorms: Float64Array;
  /** The exact cosine of vector v with row j (double dot and norms). */
  exact(v: number, j: number): number;
  /** Exact norm of row j (double). */
  rowNorm(j: number): number;
  /** Exact norm of vector v (double). */
  vectorNorm(v: number): number;
}

/**
 * Lays out a screen of `x` against `vectors`: a memory with regions `out`, `slotA`, `slotB`,
 * `vecs` (+ `block` when copying), the vectors interleaved by 4 floats in groups of 4, and the
 * exact cosines. In place when `x` lies in a file's WebAssembly memory and every block has an
 * even row count.
 */
export function screenSetup(x: Float32Array, rows: number, cols: number, vectors: Float32Array[]): ScreenSetup {
  const stride = paddedCols(cols);
  const groups = Math.ceil(vectors.length / 4);
  const per = blockRows(stride);
  const layout = { out: 20 * (per + 1), slotA: stride * 4, slotB: stride * 4, vecs: groups * 16 * stride, inv: groups * 16 };
  const here = stride === cols && rows % 2 === 0 && per % 2 === 0 ? ScanMemory.onMatrix(x, layout) : undefined;
  const mem = here ?? ScanMemory.tryCreate({ ...layout, block: (per + 1) * stride * 4 });
  // the regions below are written now: another in-place user's state in the header is gone
  mem?.claim();
  const exactDot = exactDotter(mem, x, cols, vectors);
  const rowNorms = new Float64Array(rows).fill(-1);
  const vecNorms = new Float64Array(vectors.length).fill(-1);
  const rowNorm = (j: number): number => (rowNorms[j] >= 0 ? rowNorms[j] : (rowNorms[j] = Math.sqrt(exactDot.rows(j, j))));
  const vectorNorm = (v: number): number => (vecNorms[v] >= 0 ? vecNorms[v] : (vecNorms[v] = Math.sqrt(exactDot.vector(v, v))));
  const exact = (v: number, j: number): number => cosineFromDot(exactDot.pair(v, j), vectorNorm(v), rowNorm(j));
  const vectorNorms = new Float64Array(vectors.length);
  if (mem) {
    const { f32 } = mem.heap();
    const vecs = mem.at('vecs') >> 2;
    f32.fill(0, vecs, vecs + groups * 4 * stride);
    for (let v = 0; v < vectors.length; v++) {
      const g = vecs + (v >> 2) * 4 * stride + (v & 3) * 4;
      let s = 0;
      for (let c = 0; c < cols; c++) {
        const value = vectors[v][c];
        f32[g + (c >> 2) * 16 + (c & 3)] = value;
        s += value * value;
      }
      vectorNorms[v] = s >= SAFE_SUMSQ[0] && s <= SAFE_SUMSQ[1] ? Math.sqrt(s) : Number.NaN;
    }
  }
  return { mem, stride, per, groups, vectorNorms, exact, rowNorm, vectorNorm };
}

/** Double-precision dots of rows of `x` and `vectors`, bit-identical to `pairDot` / `vectorDots`. */
interface ExactDots {
  rows(i: number, j: number): number;
  vector(v: number, w: number): number;
  pair(v: number, j: number): number;
}

function exactDotter(mem: ScanMemory | undefined, x: Float32Array, cols: number, vectors: Float32Array[]): ExactDots {
  const row = (j: number) => x.subarray(j * cols, (j + 1) * cols);
  if (!mem || cols < SIMD_MIN_COLS) {
    const dot = (a: Float32Array, b: Float32Array) => {
      let s = 0;
      for (let k = 0; k < cols; k++) s += a[k] * b[k];
      return s;
    };
    return { rows: (i, j) => dot(row(i), row(j)), vector: (v, w) => dot(vectors[v], vectors[w]), pair: (v, j) => dot(vectors[v], row(j)) };
  }
  const stride = paddedCols(cols);
  const slots = { slotA: -1, slotB: -1 };
  const put = (slot: 'slotA' | 'slotB', key: number, values: Float32Array): number => {
    const at = mem.at(slot);
    // another screen or row store on the same file memory wrote the header: both slots are stale
    if (!mem.claim()) slots.slotA = slots.slotB = -1;
    if (slots[slot] !== key) {
      const f32 = mem.heap().f32;
      f32.set(values, at >> 2);
      f32.fill(0, (at >> 2) + cols, (at >> 2) + stride);
      slots[slot] = key;
    }
    return at;
  };
  const vectorSlot = (v: number) => put('slotA', -2 - v, vectors[v]);
  const rowSlot = (j: number) => put('slotB', j, row(j));
  return {
    rows: (i, j) => (i === j ? mem.wasm.dot(rowSlot(j), rowSlot(j), stride) : mem.wasm.dot(put('slotA', -1e9 - i, row(i)), rowSlot(j), stride)),
    vector: (v, w) => mem.wasm.dot(vectorSlot(v), v === w ? vectorSlot(v) : put('slotB', -2 - w, vectors[w]), stride),
    pair: (v, j) => mem.wasm.dot(vectorSlot(v), rowSlot(j), stride),
  };
}
