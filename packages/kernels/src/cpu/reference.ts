import type {
  CosineMatrixInput,
  EdgeBitsetInput,
  HeadMeanInput,
  RowNormsInput,
  SimilarityRowsInput,
} from '../names.js';
import { cosineFromDot, rowDot, rowNorm } from './linalg.js';

/** CPU reference of `rowNorms`. */
export function cpuRowNorms({ x }: RowNormsInput): Float32Array {
  const out = new Float32Array(x.rows);
  for (let i = 0; i < x.rows; i++) out[i] = rowNorm(x.data, x.cols, i);
  return out;
}

/** CPU reference of `similarityRows`. */
export function cpuSimilarityRows({ x, queries, candidates }: SimilarityRowsInput): Float32Array {
  const d = x.cols;
  const out = new Float32Array(queries.length * candidates.length);
  const cn = Float64Array.from(candidates, (c) => rowNorm(x.data, d, c));
  for (let q = 0; q < queries.length; q++) {
    const qi = queries[q];
    const qn = rowNorm(x.data, d, qi);
    for (let c = 0; c < candidates.length; c++) {
      out[q * candidates.length + c] = cosineFromDot(rowDot(x.data, d, qi, candidates[c]), qn, cn[c]);
    }
  }
  return out;
}

/**
 * Rows of `x` (restricted to `subset`) scaled to unit length, zero rows kept zero. Computing the
 * unit rows once turns the dense cosine matrix into a plain Gram matrix.
 */
export function unitRows(x: RowNormsInput['x'], subset?: Int32Array): Float32Array {
  const d = x.cols;
  const k = subset ? subset.length : x.rows;
  const out = new Float32Array(k * d);
  for (let i = 0; i < k; i++) {
    const src = subset ? subset[i] : i;
    const n = rowNorm(x.data, d, src);
    if (n === 0) continue;
    const inv = 1 / n;
    for (let c = 0; c < d; c++) out[i * d + c] = x.data[src * d + c] * inv;
  }
  return out;
}

/** CPU reference of `cosineMatrix`: the Gram matrix of unit rows, symmetric, diagonal as computed. */
export function cpuCosineMatrix({ x, subset }: CosineMatrixInput): Float32Array {
  const d = x.cols;
  const k = subset ? subset.length : x.rows;
  const u = unitRows(x, subset);
  const out = new Float32Array(k * k);
  for (let i = 0; i < k; i++) {
    for (let j = i; j < k; j++) {
      const v = rowDot(u, d, i, j);
      out[i * k + j] = v;
      out[j * k + i] = v;
    }
  }
  return out;
}

/**
 * The fused edge rule of docs/algorithm.md §3 step 5 for one pair. A computed cosine can exceed 1 by rounding
 * (exact duplicates in float32 arithmetic); it is clamped to 1, its exact-arithmetic bound, so
 * that alpha·1 = theta never turns into an edge by a rounding error.
 */
export function edgeRule(cos: number, spat: number, alpha: number, theta: number): boolean {
  return alpha * Math.min(Math.max(cos, 0), 1) + (1 - alpha) * spat > theta;
}

/** 1 when two tokens share a frame and lie within Chebyshev distance `radius`, else 0. */
export function spatialAdjacent(
  frame: Int32Array,
  row: Int32Array,
  col: Int32Array,
  i: number,
  j: number,
  radius: number,
): 0 | 1 {
  return frame[i] === frame[j] && Math.max(Math.abs(row[i] - row[j]), Math.abs(col[i] - col[j])) <= radius ? 1 : 0;
}

/** CPU reference of `edgeBitset`. */
export function cpuEdgeBitset(input: EdgeBitsetInput): Uint32Array {
  const { cos, k, frame, row, col, alpha, theta, radius } = input;
  const words = Math.ceil(k / 32);
  const out = new Uint32Array(k * words);
  for (let i = 0; i < k; i++) {
    for (let j = 0; j < k; j++) {
      if (i === j) continue;
      if (edgeRule(cos[i * k + j], spatialAdjacent(frame, row, col, i, j, radius), alpha, theta)) {
        out[i * words + (j >>> 5)] |= 1 << (j & 31);
      }
    }
  }
  return out;
}

/** CPU reference of `headMean` (double accumulation). */
export function cpuHeadMean({ x }: HeadMeanInput): Float32Array {
  const acc = new Float64Array(x.cols);
  for (let h = 0; h < x.rows; h++) for (let i = 0; i < x.cols; i++) acc[i] += x.data[h * x.cols + i];
  return Float32Array.from(acc, (v) => v / Math.max(x.rows, 1));
}
