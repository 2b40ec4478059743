import { cosineFromDot, SIMD_BATCH } from '@d2pruner/kernels';
import type { DppColumns } from './dpp-columns.js';
import { LazyMaxHeap } from './lazy-max-heap.js';

/**
 * CDPruner's greedy MAP (docs/baselines.md §7 step 3) on the CPU, lazily: token i's Cholesky
 * column e_0[i] … e_{t−1}[i] and its d²_i are brought up to date only when i reaches the top of a
 * max-heap of stale d² values. Since each step lowers d² by e² ≥ 0, a stale d² is an upper bound
 * of the current one, so a fresh top is the argmax (ties → lower index). A refresh evaluates
 * e_s[i] = (L_{j_s i} − Σ_{s'<s} e_{s'}[j_s]·e_{s'}[i]) / √d²_{j_s} in double precision
 * ({@link DppColumns}; the projection sum in another order than the eager `dppUpdate` step,
 * which §1.6 allows), with the double dots of row i and the picks since its last refresh in
 * one call (in WebAssembly four picks per pass, `dotsTileF64`); tokens far from every pick are
 * touched rarely. Memory: budget doubles per token, plus a double row per pick.
 */
export class LazyGreedyDpp {
  /** Steps token i's column and d² include. */
  private readonly fresh: Int32Array;
  private readonly heap: LazyMaxHeap;
  /** Token refreshes (diagnostic). */
  refreshes = 0;

  /**
   * @param columns the Cholesky columns of the features (room for the budget; the caller releases them)
   * @param norms double L2 norm of every row
   * @param r relevance of every token
   * @param d2 initial d² (L_ii), updated in place as tokens are refreshed
   */
  constructor(
    private readonly columns: DppColumns,
    private readonly norms: Float64Array,
    private readonly r: Float64Array,
    private readonly d2: Float64Array,
  ) {
    const n = d2.length;
    this.fresh = new Int32Array(n);
    this.heap = new LazyMaxHeap(d2, Int32Array.from({ length: n }, (_, i) => i));
  }

  /** Double dot products computed (diagnostic). */
  get dotCount(): number {
    return this.columns.dotCount;
  }

  /**
   * The next pick given the picks so far (`order`): the unselected token with the largest d²
   * (fresh), or −1 when its d² ≤ τ or none is left. Removes it from the queue.
   */
  next(order: readonly number[], tau: number): number {
    const t = order.length;
    for (;;) {
      const i = this.heap.top();
      if (i < 0) return -1;
      if (this.fresh[i] === t) {
        if (!(this.d2[i] > tau)) return -1;
        this.heap.pop();
        this.columns.pick(t, i, Math.sqrt(this.d2[i]));
        return i;
      }
      this.refresh(i, order);
      this.heap.lowered();
    }
  }

  /** Brings token i's column and d² up to date with every pick in `order`. */
  private refresh(i: number, order: readonly number[]): void {
    this.refreshes++;
    const { norms, r, columns } = this;
    const lv = columns.lv;
    const t = order.length;
    let d2 = this.d2[i];
    for (let from = this.fresh[i]; from < t; from += SIMD_BATCH) {
      const count = Math.min(SIMD_BATCH, t - from);
      const dots = columns.dots(i, order, from, count);
      for (let k = 0; k < count; k++) {
        const j = order[from + k];
        lv[k] = r[j] * cosineFromDot(dots[k], norms[j], norms[i]) * r[i];
      }
      d2 = columns.update(i, from, count, d2);
    }
    this.d2[i] = d2;
    this.fresh[i] = t;
  }
}
