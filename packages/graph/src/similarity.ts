import type { Matrix } from '@d2pruner/core';
import { cosineFromDot, rowDot, SimdRowStore } from '@d2pruner/kernels';

/** Options of {@link LazyCosine}. */
export interface LazyCosineOptions {
  /** Use the WebAssembly SIMD dot product when the runtime has it (default true). */
  simd?: boolean;
}

/**
 * Cosine similarity between rows of a feature matrix with lazily computed, cached norms: only
 * the rows a query touches pay for their norm. Dot products run in WebAssembly SIMD when
 * available (rows copied on first use), else in scalar JavaScript.
 */
export class LazyCosine {
  private readonly norms: Float64Array;
  /** Dot products computed so far (work counter for benchmarks). */
  dots = 0;

  private readonly store: SimdRowStore | undefined;

  /** @param features H [N, D] @param options SIMD on or off */
  constructor(
    readonly features: Matrix,
    options: LazyCosineOptions = {},
  ) {
    this.norms = new Float64Array(features.rows).fill(-1);
    this.store = options.simd === false ? undefined : SimdRowStore.tryCreate(features.data, features.rows, features.cols);
  }

  /** Whether dot products run in WebAssembly SIMD. */
  get simd(): boolean {
    return this.store !== undefined;
  }

  private dot(i: number, j: number): number {
    return this.store ? this.store.dot(i, j) : rowDot(this.features.data, this.features.cols, i, j);
  }

  /** Returns pooled WebAssembly memory (call when done; the object stays usable). */
  release(): void {
    this.store?.release();
  }

  /** ‖H_i‖₂, computed on first use. */
  norm(i: number): number {
    let n = this.norms[i];
    if (n < 0) {
      n = Math.sqrt(this.dot(i, i));
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
    return cosineFromDot(this.dot(i, j), ni, nj);
  }
}
