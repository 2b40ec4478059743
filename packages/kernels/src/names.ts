import type { Matrix } from '@d2pruner/core';

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
 * Inputs of the `edgeBitset` kernel: the fused edge rule of d2pruner.md §5 applied to a dense
 * cosine matrix over k tokens with coordinates (`frame`, `row`, `col`). Output: a k×k bitset,
 * row-major, `words = ceil(k/32)` 32-bit words per row; bit j of row i is set iff i ≠ j and
 * alpha·max(cos,0) + (1−alpha)·spat > theta.
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

/** Every kernel by name with its input and output types. */
export interface KernelSignatures {
  rowNorms: { input: RowNormsInput; output: Float32Array };
  similarityRows: { input: SimilarityRowsInput; output: Float32Array };
  cosineMatrix: { input: CosineMatrixInput; output: Float32Array };
  edgeBitset: { input: EdgeBitsetInput; output: Uint32Array };
  headMean: { input: HeadMeanInput; output: Float32Array };
}

/** A kernel name. */
export type KernelName = keyof KernelSignatures;

/** Input type of kernel `K`. */
export type KernelInput<K extends KernelName> = KernelSignatures[K]['input'];

/** Output type of kernel `K`. */
export type KernelOutput<K extends KernelName> = KernelSignatures[K]['output'];

/** Every kernel name. */
export const KERNEL_NAMES: readonly KernelName[] = ['rowNorms', 'similarityRows', 'cosineMatrix', 'edgeBitset', 'headMean'];

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
    case 'edgeBitset': {
      const e = input as EdgeBitsetInput;
      return e.k * e.k;
    }
    default:
      return 0;
  }
}
