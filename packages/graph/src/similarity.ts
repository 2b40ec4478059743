import type { Matrix } from '@d2pruner/core';
import { cosineFromDot, rowDot, rowNorm } from '@d2pruner/kernels';

/**
 * Cosine similarity between rows of a feature matrix with lazily computed, cached norms: only
 * the rows a query touches pay for their norm.
 */
export class LazyCosine {
  private readonly norms: Float64Array;
  /** Dot products computed so far (work counter for benchmarks). */
  dots = 0;

  /** @param features H [N, D] */
  constructor(readonly features: Matrix) {
    this.norms = new Float64Array(features.rows).fill(-1);
  }

  /** ‖H_i‖₂, computed on first use. */
  norm(i: number): number {
    let n = this.norms[i];
    if (n < 0) {
      n = rowNorm(this.features.data, this.features.cols, i);
      this.norms[i] = n;
    }
    return n;
  }

  /** cos(H_i, H_j), 0 when either norm is 0. */
  cos(i: number, j: number): number {
    const ni = this.norm(i);
    const nj = this.norm(j);
    if (ni === 0 || nj === 0) return 0;
    this.dots++;
    return cosineFromDot(rowDot(this.features.data, this.features.cols, i, j), ni, nj);
  }
}
