import type { Matrix } from '@d2pruner/core';
import type { EdgeBlockInput, EdgeBlockOutput } from './edge-block.js';

/** Inputs of the `rowNorms` kernel: L2 norm of every row of `x`. */
export interface RowNormsInput {
  x: Matrix;
}

/**
 * Inputs of the `similarityRows` kernel: for each query row q ∈ `queries` and candidate row
 * c ∈ `candidates` of `x`, the cosine cos(x_q, x_c) (0 when either norm is 0). Output is
 * [queries.length × candidates.length], query-major. This is what the lazy MIS needs.
 */
export interface SimilarityRowsInput {
  x: Matrix;
  queries: Int32Array;
  candidates: Int32Array;
}

/**
 * Inputs of the `cosineMatrix` kernel: the dense cosine matrix of the rows `subset` of `x`
 * (all rows when absent), [k × k] with k = subset length.
 */
export interface CosineMatrixInput {
  x: Matrix;
  subset?: Int32Array;
}

/**
 * Inputs of the `edgeBitset` kernel: the fused edge rule of docs/algorithm.md §3 step 5 applied to a dense
 * cosine matrix over k tokens with coordinates (`frame`, `row`, `col`). Output: a k×k bitset,
 * row-major, `words = ceil(k/32)` 32-bit words per row; bit j of row i is set iff i ≠ j and
 * alpha·min(max(cos,0),1) + (1−alpha)·spat > theta (cos clamped to its exact bound).
 */
export interface EdgeBitsetInput {
  cos: Float32Array;
  k: number;
  frame: Int32Array;
  row: Int32Array;
  col: Int32Array;
  alpha: number;
  theta: number;
  radius: number;
}

/** Inputs of the `headMean` kernel: the mean over H of an [H, N] matrix. */
export interface HeadMeanInput {
  x: Matrix;
}

/**
 * Inputs of the `maxSimilarity` kernel (VisPruner's de-duplication, DivPrune's first pick): for
 * each query row q, the largest cosine cos(x_q, x_c) over the candidate rows c ≠ q, with cosine
 * = dot / (‖x_q‖·‖x_c‖) and exactly 0 when either norm is 0 (docs/baselines.md §1.3). A query with no
 * candidate (other than itself) gets −Infinity. `x` is row-major [rows × cols]; `norms` holds the
 * L2 norm of every row. Output: one value per query.
 */
export interface MaxSimilarityInput {
  x: Float32Array;
  rows: number;
  cols: number;
  norms: Float64Array;
  queries: Int32Array;
  candidates: Int32Array;
}

/**
 * Inputs of the `maxMinUpdate` kernel (DivPrune's max–min step, docs/baselines.md §4): after row `j`
 * was selected, every entry becomes min(minDist_i, 1 − cos(x_j, x_i)) (cosine as in
 * {@link MaxSimilarityInput}). Output: the updated distances, length `rows`; `minDist` is not
 * modified.
 */
export interface MaxMinUpdateInput {
  x: Float32Array;
  rows: number;
  cols: number;
  norms: Float64Array;
  j: number;
  minDist: Float64Array;
}

/**
 * Inputs of the `dppUpdate` kernel (CDPruner's greedy MAP step, docs/baselines.md §7 step 3): with
 * L_ji = r_j·S_ji·r_i, S_ji = cos(x_j, x_i) for i ≠ j and S_jj = 1 (0 for a zero row),
 * e_i = (L_ji − Σ_{s<t} c[s·rows + j]·c[s·rows + i]) / √d2_j and d2'_i = d2_i − e_i² for every i.
 * `c` holds at least `t` previous e rows (row-major, `rows` wide). Output: one Float64Array of
 * length 2·rows, the new row `e` in [0, rows) followed by the updated `d2` in [rows, 2·rows)
 * (inputs are not modified).
 */
export interface DppUpdateInput {
  x: Float32Array;
  rows: number;
  cols: number;
  norms: Float64Array;
  relevance: Float64Array;
  j: number;
  c: Float64Array;
  t: number;
  d2: Float64Array;
}

/** Every kernel by name with its input and output types. */
export interface KernelSignatures {
  rowNorms: { input: RowNormsInput; output: Float32Array };
  similarityRows: { input: SimilarityRowsInput; output: Float32Array };
  cosineMatrix: { input: CosineMatrixInput; output: Float32Array };
  edgeBitset: { input: EdgeBitsetInput; output: Uint32Array };
  edgeBlock: { input: EdgeBlockInput; output: EdgeBlockOutput };
  headMean: { input: HeadMeanInput; output: Float32Array };
  maxSimilarity: { input: MaxSimilarityInput; output: Float64Array };
  maxMinUpdate: { input: MaxMinUpdateInput; output: Float64Array };
  dppUpdate: { input: DppUpdateInput; output: Float64Array };
}

/** A kernel name. */
export type KernelName = keyof KernelSignatures;

/** Input type of kernel `K`. */
export type KernelInput<K extends KernelName> = KernelSignatures[K]['input'];

/** Output type of kernel `K`. */
export type KernelOutput<K extends KernelName> = KernelSignatures[K]['output'];

/** Every kernel name. */
export const KERNEL_NAMES: readonly KernelName[] = [
  'rowNorms',
  'similarityRows',
  'cosineMatrix',
  'edgeBitset',
  'edgeBlock',
  'headMean',
  'maxSimilarity',
  'maxMinUpdate',
  'dppUpdate',
];

/**
 * The work size of a kernel call in multiply-adds, used by `auto` backend selection to keep
 * small calls on the CPU.
 */
export function kernelWork<K extends KernelName>(kernel: K, input: KernelInput<K>): number {
  switch (kernel) {
    case 'rowNorms':
    case 'headMean': {
      const x = (input as RowNormsInput).x;
      return x.rows * x.cols;
    }
    case 'similarityRows': {
      const s = input as SimilarityRowsInput;
      return s.queries.length * s.candidates.length * s.x.cols;
    }
    case 'cosineMatrix': {
      const c = input as CosineMatrixInput;
      const k = c.subset ? c.subset.length : c.x.rows;
      return k * k * c.x.cols;
    }
    case 'edgeBlock': {
      const b = input as EdgeBlockInput;
      return (b.subset.length * b.subset.length * b.x.cols) / 2;
    }
    case 'edgeBitset': {
      const e = input as EdgeBitsetInput;
      return e.k * e.k;
    }
    case 'maxSimilarity': {
      const m = input as MaxSimilarityInput;
      return m.queries.length * m.candidates.length * m.cols;
    }
    case 'maxMinUpdate': {
      const m = input as MaxMinUpdateInput;
      return m.rows * m.cols;
    }
    case 'dppUpdate': {
      const p = input as DppUpdateInput;
      return p.rows * (p.cols + p.t);
    }
    default:
      return 0;
  }
}
