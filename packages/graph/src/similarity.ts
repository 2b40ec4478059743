import type { Matrix } from '@d2pruner/core';
import { cosineFromDot, F32_SAFE_NORM_PRODUCT, f32DotBound, QuantizedRows, rowDot, SimdRowStore } from '@d2pruner/kernels';

/** Options of {@link LazyCosine}. */
export interface LazyCosineOptions {
  /** Use the WebAssembly SIMD dot product when the runtime has it (default true). */
  simd?: boolean;
  /** With SIMD, screen first with int16 rows ({@link LazyCosine.screenCoarse}; default true). */
  coarse?: boolean;
}

/**
 * Cosine similarity between rows of a feature matrix with lazily computed, cached norms: only
 * the rows a query touches pay for their norm. Dot products run in WebAssembly SIMD when
 * available (rows copied on first use), else in scalar JavaScript.
 */
export class LazyCosine {
  private readonly norms: Float64Array;
  /** Dot products computed so far, screened ones included (work counter for benchmarks). */
  dots = 0;
  /** Pairs whose screened cosine was too close to a decision to trust, recomputed exactly. */
  rechecks = 0;
  /** Pairs the coarse (int16) screen left undecided, screened again in float32. */
  refines = 0;
  /** |screened cosine − exact cosine| bound for this width (see {@link screen}). */
  readonly screenBound: number;

  private readonly store: SimdRowStore | undefined;
  private readonly coarse: QuantizedRows | undefined;

  /** @param features H [N, D] @param options SIMD on or off */
  constructor(
    readonly features: Matrix,
    options: LazyCosineOptions = {},
  ) {
    this.norms = new Float64Array(features.rows).fill(-1);
    this.store = options.simd === false ? undefined : SimdRowStore.tryCreate(features.data, features.rows, features.cols);
    this.screenBound = f32DotBound(features.cols);
    this.coarse = this.store && options.coarse !== false ? QuantizedRows.tryCreate(features.data, features.rows, features.cols) : undefined;
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
    this.coarse?.release();
  }

  /** ‖H_i‖₂, computed on first use. */
  norm(i: number): number {
    let n = this.norms[i];
    if (n < 0) {
      n = this.coarse ? this.coarse.norm(i) : NaN;
      if (n !== n) n = Math.sqrt(this.dot(i, i));
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

  /**
   * Screened cosines of row v with rows `others[from … from+count)` into `out`: float32 SIMD
   * dots divided by the double norms, each within {@link screenBound} of {@link cos}. An entry
   * is NaN where no bound holds (no SIMD, a zero norm, a norm product outside the float32-safe
   * range): the caller then asks {@link cos}. Returns false when nothing was screened.
   */
  screen(v: number, others: ArrayLike<number>, from: number, count: number, out: Float64Array): boolean {
    if (!this.store) return false;
    if (count === 1) out[0] = this.store.dotF32(v, others[from]);
    else this.store.dotsF32(v, others, from, count, out);
    this.dots += count;
    const nv = this.norm(v);
    const [lo, hi] = F32_SAFE_NORM_PRODUCT;
    for (let k = 0; k < count; k++) {
      const scale = nv * this.norm(others[from + k]);
      out[k] = scale >= lo && scale <= hi ? out[k] / scale : NaN;
    }
    return true;
  }

  /**
   * Coarse screened cosines of row v with rows `others[from … from+count)` from int16 rows
   * ({@link QuantizedRows}): `est[k]` within `bound[k]` (about 10⁻³) of {@link cos}, NaN where
   * a row cannot be screened. Half the memory traffic of {@link screen}: pairs far from a
   * threshold are decided here, the others go to {@link screen}. Returns false when unavailable.
   */
  screenCoarse(v: number, others: ArrayLike<number>, from: number, count: number, est: Float64Array, bound: Float64Array): boolean {
    if (!this.coarse?.screen(v, others, from, count, est, bound)) return false;
    this.dots += count;
    return true;
  }
}
