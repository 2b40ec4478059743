import { cosineFromDot, pairDot, SIMD_BATCH, storeFor, type SimdRowStore } from '@d2pruner/kernels';
import type { Matrix } from '@d2pruner/core';
import { LazyMaxHeap } from './lazy-max-heap.js';

/**
 * DivPrune's greedy max–min (docs/baselines.md §4 steps 2–3) on the CPU, lazily: m_i = min over
 * the picks of d(p, i) only ever decreases, so a stale m_i (over the first picks) is an upper
 * bound of the current one. Tokens wait in a max-heap of stale values; the top is brought up to
 * date with the picks made since (double dots in one SIMD call, the exact distances of the
 * eager loop) and, once fresh on top, is the argmax (ties → lower index). Tokens far below the
 * shrinking max–min radius are never touched again.
 */
export class LazyMaxMin {
  private readonly m: Float64Array;
  private readonly fresh: Int32Array;
  private readonly heap: LazyMaxHeap;
  private readonly store: SimdRowStore | undefined;
  private readonly dots = new Float64Array(SIMD_BATCH);
  /** Token refreshes (diagnostic). */
  refreshes = 0;
  /** Double dot products computed (diagnostic). */
  dotCount = 0;

  /**
   * @param h features
   * @param norms double L2 norm of every row
   * @param first the first pick (left out of the queue)
   */
  constructor(
    private readonly h: Matrix,
    private readonly norms: Float64Array,
    first: number,
  ) {
    const n = h.rows;
    this.m = new Float64Array(n).fill(Infinity);
    this.fresh = new Int32Array(n);
    this.store = storeFor(h.data, h.cols);
    const members = new Int32Array(n - 1);
    for (let i = 0, k = 0; i < n; i++) if (i !== first) members[k++] = i;
    this.heap = new LazyMaxHeap(this.m, members);
  }

  /** The next pick given the picks so far (`order`): the unselected token with the largest m. */
  next(order: readonly number[]): number {
    const t = order.length;
    for (;;) {
      const i = this.heap.top();
      if (this.fresh[i] === t) {
        this.heap.pop();
        return i;
      }
      this.refresh(i, order);
      this.heap.lowered();
    }
  }

  /** Brings m_i up to date with every pick in `order`. */
  private refresh(i: number, order: readonly number[]): void {
    this.refreshes++;
    const { norms, dots } = this;
    const t = order.length;
    let m = this.m[i];
    for (let from = this.fresh[i]; from < t; from += SIMD_BATCH) {
      const count = Math.min(SIMD_BATCH, t - from);
      this.rowDots(i, order, from, count);
      for (let s = 0; s < count; s++) {
        const j = order[from + s];
        const d = 1 - cosineFromDot(dots[s], norms[j], norms[i]);
        if (d < m) m = d;
      }
    }
    this.m[i] = m;
    this.fresh[i] = t;
  }

  /** Double dots of row i with rows order[from … from+count) into `dots`. */
  private rowDots(i: number, order: readonly number[], from: number, count: number): void {
    this.dotCount += count;
    if (this.store) {
      this.store.dots(i, order, from, count, this.dots);
      return;
    }
    const { data, cols } = this.h;
    for (let k = 0; k < count; k++) this.dots[k] = pairDot(data, cols, i, order[from + k]);
  }
}
