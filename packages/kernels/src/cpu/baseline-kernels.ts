import type { DppUpdateInput, MaxMinUpdateInput, MaxSimilarityInput } from '../names.js';
import { cosineFromDot } from './linalg.js';
import { SimdRowStore, VECTOR_ROW } from './simd-row-store.js';

/*
 * CPU reference of the baseline kernels (docs/baselines.md §§4, 5, 7). Every dot product here is
 * accumulated in double precision (products of two float32 values are exact in double). For
 * rows of at least SIMD_MIN_COLS columns every dot of a matrix goes through one WebAssembly SIMD
 * row store (f64x2 sums), otherwise through the sequential scalar loop; either way the tiled
 * helpers below return bit-identical values to `pairDot` for the same pair, so methods that mix
 * tiled and single evaluations of a cosine never see two different values for one pair.
 */

/** Rows narrower than this use the scalar loop (the SIMD call overhead would dominate). */
export const SIMD_MIN_COLS = 32;

const stores = new WeakMap<Float32Array, SimdRowStore | null>();

/**
 * The SIMD row store of matrix `x` (width `d`), cached per array with every row loaded in order
 * (so whole-matrix scans run as range kernels); undefined for narrow rows or without SIMD.
 */
export function storeFor(x: Float32Array, d: number): SimdRowStore | undefined {
  if (d < SIMD_MIN_COLS) return undefined;
  let s = stores.get(x);
  if (s === undefined || (s !== null && s.cols !== d)) {
    s = SimdRowStore.tryCreate(x, Math.floor(x.length / d), d)?.loadAll() ?? null;
    stores.set(x, s);
  }
  return s ?? undefined;
}

/**
 * Hands the SIMD row store of `x` (if any) back to the instance pool, so the next input reuses
 * its mapped memory instead of growing a fresh one. Later calls on `x` build a new store.
 */
export function releaseStore(x: Float32Array): void {
  const s = stores.get(x);
  stores.delete(x);
  s?.release();
}

/**
 * Dots of row `i` with rows j0 … j0+count−1 into `out[0 … count)`, each equal to
 * {@link pairDot}: one WebAssembly call per 256 rows for wide matrices.
 */
export function rangeDots(x: Float32Array, d: number, i: number, j0: number, count: number, out: Float64Array): Float64Array {
  const store = storeFor(x, d);
  if (store) store.dotsRange(i, j0, count, out);
  else for (let k = 0; k < count; k++) out[k] = pairDot(x, d, i, j0 + k);
  return out;
}

/**
 * Dots of an outside vector `v` (length d) with rows j0 … j0+count−1 of `x`, double precision
 * (each equal to the SIMD or scalar dot of the same values, by the same rule as {@link pairDot}).
 */
export function vectorDots(x: Float32Array, d: number, v: Float32Array, j0: number, count: number, out: Float64Array): Float64Array {
  const store = storeFor(x, d);
  if (store) {
    store.setVector(v);
    store.dotsRange(VECTOR_ROW, j0, count, out);
    return out;
  }
  for (let k = 0; k < count; k++) {
    let s = 0;
    for (let c = 0, b = (j0 + k) * d; c < d; c++) s += v[c] * x[b + c];
    out[k] = s;
  }
  return out;
}

/** Dot product of rows `i` and `j` of a row-major matrix with `d` columns (double precision). */
export function pairDot(x: Float32Array, d: number, i: number, j: number): number {
  const store = storeFor(x, d);
  if (store) return store.dot(i, j);
  const a = i * d;
  const b = j * d;
  let s = 0;
  for (let k = 0; k < d; k++) s += x[a + k] * x[b + k];
  return s;
}

const quad = new Int32Array(4);
const quadOut = new Float64Array(4);

/** Dots of row `i` against rows `j0 … j3` into `out[0 … 3]`, each equal to {@link pairDot}. */
export function dot1x4(x: Float32Array, d: number, i: number, j0: number, j1: number, j2: number, j3: number, out: Float64Array): void {
  const store = storeFor(x, d);
  if (store) {
    quad[0] = j0;
    quad[1] = j1;
    quad[2] = j2;
    quad[3] = j3;
    store.dots(i, quad, 0, 4, out);
    return;
  }
  const a = i * d;
  const b0 = j0 * d;
  const b1 = j1 * d;
  const b2 = j2 * d;
  const b3 = j3 * d;
  let s0 = 0;
  let s1 = 0;
  let s2 = 0;
  let s3 = 0;
  for (let k = 0; k < d; k++) {
    const v = x[a + k];
    s0 += v * x[b0 + k];
    s1 += v * x[b1 + k];
    s2 += v * x[b2 + k];
    s3 += v * x[b3 + k];
  }
  out[0] = s0;
  out[1] = s1;
  out[2] = s2;
  out[3] = s3;
}

/**
 * A 4×4 tile of dots: rows `rows[ro … ro+3]` against rows `cols[co … co+3]`, written to
 * `out[4·a + b]`; each entry equal to {@link pairDot}. The register tile is what makes all-pairs
 * loops run at about twice the speed of single dots.
 */
export function dot4x4(x: Float32Array, d: number, rows: ArrayLike<number>, ro: number, cols: ArrayLike<number>, co: number, out: Float64Array): void {
  const store = storeFor(x, d);
  if (store) {
    for (let a = 0; a < 4; a++) {
      store.dots(rows[ro + a], cols, co, 4, quadOut);
      out.set(quadOut, 4 * a);
    }
    return;
  }
  const a0 = rows[ro] * d;
  const a1 = rows[ro + 1] * d;
  const a2 = rows[ro + 2] * d;
  const a3 = rows[ro + 3] * d;
  const b0 = cols[co] * d;
  const b1 = cols[co + 1] * d;
  const b2 = cols[co + 2] * d;
  const b3 = cols[co + 3] * d;
  let s00 = 0, s01 = 0, s02 = 0, s03 = 0;
  let s10 = 0, s11 = 0, s12 = 0, s13 = 0;
  let s20 = 0, s21 = 0, s22 = 0, s23 = 0;
  let s30 = 0, s31 = 0, s32 = 0, s33 = 0;
  for (let k = 0; k < d; k++) {
    const y0 = x[b0 + k];
    const y1 = x[b1 + k];
    const y2 = x[b2 + k];
    const y3 = x[b3 + k];
    const x0 = x[a0 + k];
    const x1 = x[a1 + k];
    const x2 = x[a2 + k];
    const x3 = x[a3 + k];
    s00 += x0 * y0; s01 += x0 * y1; s02 += x0 * y2; s03 += x0 * y3;
    s10 += x1 * y0; s11 += x1 * y1; s12 += x1 * y2; s13 += x1 * y3;
    s20 += x2 * y0; s21 += x2 * y1; s22 += x2 * y2; s23 += x2 * y3;
    s30 += x3 * y0; s31 += x3 * y1; s32 += x3 * y2; s33 += x3 * y3;
  }
  out[0] = s00; out[1] = s01; out[2] = s02; out[3] = s03;
  out[4] = s10; out[5] = s11; out[6] = s12; out[7] = s13;
  out[8] = s20; out[9] = s21; out[10] = s22; out[11] = s23;
  out[12] = s30; out[13] = s31; out[14] = s32; out[15] = s33;
}

/** L2 norm of every row, in double precision (√ of {@link pairDot} of the row with itself). */
export function rowNorms64(x: Float32Array, rows: number, cols: number): Float64Array {
  const out = new Float64Array(rows);
  for (let i = 0; i < rows; i++) out[i] = Math.sqrt(pairDot(x, cols, i, i));
  return out;
}

/** Cosine of row `j` with every row i (0 when either norm is 0), into `out` (length `rows`). */
export function cosineRow(x: Float32Array, rows: number, cols: number, norms: Float64Array, j: number, out: Float64Array): Float64Array {
  rangeDots(x, cols, j, 0, rows, out);
  const nj = norms[j];
  for (let i = 0; i < rows; i++) out[i] = cosineFromDot(out[i], nj, norms[i]);
  return out;
}

/** CPU reference of `maxSimilarity`: 4×4 tiles over (queries × candidates), self pairs skipped. */
export function cpuMaxSimilarity({ x, cols, norms, queries, candidates }: MaxSimilarityInput): Float64Array {
  const nq = queries.length;
  const nc = candidates.length;
  const out = new Float64Array(nq).fill(-Infinity);
  if (nq === 0 || nc === 0) return out;
  const qi = padTo4(queries);
  const ci = padTo4(candidates);
  const tile = new Float64Array(16);
  for (let a = 0; a < qi.length; a += 4) {
    for (let b = 0; b < ci.length; b += 4) {
      dot4x4(x, cols, qi, a, ci, b, tile);
      for (let p = 0; p < 4 && a + p < nq; p++) {
        const q = qi[a + p];
        let best = out[a + p];
        for (let r = 0; r < 4; r++) {
          const c = ci[b + r];
          if (c === q) continue;
          const v = cosineFromDot(tile[4 * p + r], norms[q], norms[c]);
          if (v > best) best = v;
        }
        out[a + p] = best;
      }
    }
  }
  return out;
}

/** Pads an index list to a multiple of 4 by repeating its last entry (harmless for a max). */
function padTo4(ix: Int32Array): Int32Array {
  const len = Math.ceil(ix.length / 4) * 4;
  if (len === ix.length) return ix;
  const out = new Int32Array(len);
  out.set(ix);
  out.fill(ix[ix.length - 1], ix.length);
  return out;
}

/** CPU reference of `maxMinUpdate`: m_i ← min(m_i, 1 − cos(x_j, x_i)). */
export function cpuMaxMinUpdate({ x, rows, cols, norms, j, minDist }: MaxMinUpdateInput): Float64Array {
  const cos = cosineRow(x, rows, cols, norms, j, new Float64Array(rows));
  const out = new Float64Array(rows);
  for (let i = 0; i < rows; i++) {
    const dist = 1 - cos[i];
    out[i] = dist < minDist[i] ? dist : minDist[i];
  }
  return out;
}

/**
 * CPU reference of `dppUpdate` (one step of the greedy MAP of Chen et al. 2018): returns
 * [e (rows values) | updated d2 (rows values)].
 */
export function cpuDppUpdate({ x, rows, cols, norms, relevance, j, c, t, d2 }: DppUpdateInput): Float64Array {
  const result = new Float64Array(2 * rows);
  const e = cosineRow(x, rows, cols, norms, j, result.subarray(0, rows));
  e[j] = norms[j] > 0 ? 1 : 0;
  const rj = relevance[j];
  for (let i = 0; i < rows; i++) e[i] = rj * e[i] * relevance[i];
  for (let s = 0; s < t; s++) {
    const off = s * rows;
    const cj = c[off + j];
    if (cj === 0) continue;
    for (let i = 0; i < rows; i++) e[i] -= cj * c[off + i];
  }
  const scale = Math.sqrt(d2[j]);
  for (let i = 0; i < rows; i++) {
    e[i] /= scale;
    result[rows + i] = d2[i] - e[i] * e[i];
  }
  return result;
}
