import { cosineFromDot, F32_SAFE_NORM_PRODUCT, f32DotBound, type SimdRowStore } from '@d2pruner/kernels';

/**
 * DivPrune's greedy max–min (docs/baselines.md §4) with float32 screening, exact index for
 * index. After each pick j, every token's distance bound is updated from a float32 SIMD row
 * (`dotsRangeF32`): approx m̃_i = min over picks of 1 − c̃, within δ of the exact m_i (each c̃ is
 * within δ = f32DotBound(D) of the double cosine). The next pick is the exact argmax among the
 * tokens with m̃ ≥ max m̃ − 2δ — any other token's exact m is below that candidate's. Their exact
 * m needs double dots only with the picks whose screened distance is within 2δ of m̃ (no other
 * pick can be the minimiser), usually one. Tokens whose norm product leaves the float32-safe
 * range are always exact. Memory: one screened row of N doubles per pick.
 */
export class ScreenedMaxMin {
  private readonly approx: Float64Array;
  private readonly alwaysExact: Uint8Array;
  /** Screened distances of every pick so far, one row of N per pick. */
  private readonly screened: Float64Array[] = [];
  private readonly delta: number;
  /** Exact dots computed (diagnostic). */
  exactDots = 0;

  /**
   * @param store all rows of the features, loaded in order
   * @param norms double L2 norm of every row
   * @param n number of rows
   * @param cols row width
   */
  constructor(
    private readonly store: SimdRowStore,
    private readonly norms: Float64Array,
    private readonly n: number,
    cols: number,
  ) {
    this.approx = new Float64Array(n).fill(Infinity);
    this.alwaysExact = new Uint8Array(n);
    this.delta = f32DotBound(cols) + 1e-15;
  }

  /** The exact distance 1 − cos of rows s and i, as the CPU kernel computes it. */
  private distance(s: number, i: number): number {
    this.exactDots++;
    return 1 - cosineFromDot(this.store.dot(s, i), this.norms[s], this.norms[i]);
  }

  /** The exact m_i: double distances to the picks that can be its minimiser. */
  private exactOf(i: number, order: readonly number[]): number {
    const always = this.alwaysExact[i] === 1;
    const limit = this.approx[i] + 2 * this.delta;
    let m = Infinity;
    for (let k = 0; k < order.length; k++) {
      if (!always && this.screened[k][i] > limit) continue;
      const d = this.distance(order[k], i);
      if (d < m) m = d;
    }
    return m;
  }

  /** Updates the bounds after pick `j` (the last entry of `order`). */
  add(j: number): void {
    const { norms, approx } = this;
    const row = new Float64Array(this.n);
    this.store.dotsRangeF32(j, 0, this.n, row);
    this.screened.push(row);
    const [lo, hi] = F32_SAFE_NORM_PRODUCT;
    const nj = norms[j];
    for (let i = 0; i < this.n; i++) {
      const scale = nj * norms[i];
      let d: number;
      if (scale === 0) d = 1;
      else if (scale >= lo && scale <= hi) d = 1 - row[i] / scale;
      else {
        this.alwaysExact[i] = 1;
        d = Infinity;
      }
      row[i] = d;
      if (d < approx[i]) approx[i] = d;
    }
  }

  /** The next pick: exact argmax of m over unselected tokens (ties → lowest index). */
  next(selected: Uint8Array, order: readonly number[]): number {
    const { approx, alwaysExact } = this;
    let top = -Infinity;
    for (let i = 0; i < this.n; i++) if (!selected[i] && !alwaysExact[i] && approx[i] > top) top = approx[i];
    const floor = top - 2 * this.delta;
    let best = -1;
    let bestM = -Infinity;
    for (let i = 0; i < this.n; i++) {
      if (selected[i] || (!alwaysExact[i] && approx[i] < floor)) continue;
      const m = this.exactOf(i, order);
      if (m > bestM) {
        bestM = m;
        best = i;
      }
    }
    return best;
  }
}
