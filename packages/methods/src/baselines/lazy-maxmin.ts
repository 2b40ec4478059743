import { cosineFromDot, F32_SAFE_NORM_PRODUCT, f32TileDotBound, paddedCols, SIMD_BATCH, type SimdRowStore } from '@d2pruner/kernels';
import type { Matrix } from '@d2pruner/core';
import { LazyMaxHeap } from './lazy-max-heap.js';
import { PAIR_BATCH, PickDots } from './pick-dots.js';

/**
 * DivPrune's greedy max–min (docs/baselines.md §4 steps 2–3) on the CPU, lazily and screened.
 * m_i = min over the picks of d(p, i) only ever decreases, so a bound over the first picks stays
 * an upper bound. Tokens wait in a max-heap keyed by upper bounds of their exact m; the top is
 * brought up to date with the picks made since (float32 SIMD distances, four picks per pass,
 * within δ = f32TileDotBound(D padded to 16) of the double ones; pairs outside the float32-safe norm range in double), its
 * key becoming (screened min + δ). A fresh top then gets its exact m: the double distance to
 * the screened nearest pick when every other pick is screened more than 2δ farther (no other
 * can be nearer), else double distances to all picks. A top whose key is that exact value is
 * the argmax (ties → lower index); tokens far below the shrinking max–min radius are never
 * touched again. Without a SIMD store every distance is double (δ = 0).
 */
export class LazyMaxMin {
  /** Heap keys: upper bounds of the exact m (exact where exactAt = fresh). */
  private readonly key: Float64Array;
  /** Smallest screened distance over the picks, its pick position, and the second smallest. */
  private readonly lo1: Float64Array;
  private readonly arg1: Int32Array;
  private readonly lo2: Float64Array;
  /** Picks each token's bounds include; the step at which its key is exact (−1: not). */
  private readonly fresh: Int32Array;
  private readonly exactAt: Int32Array;
  private readonly heap: LazyMaxHeap;
  private readonly dots: PickDots;
  private readonly delta: number;
  /** Token refreshes (diagnostic). */
  refreshes = 0;

  /**
   * @param h features
   * @param norms double L2 norm of every row
   * @param first the first pick (left out of the queue)
   */
  constructor(
    h: Matrix,
    private readonly norms: Float64Array,
    first: number,
  ) {
    const n = h.rows;
    this.key = new Float64Array(n).fill(Infinity);
    this.lo1 = new Float64Array(n).fill(Infinity);
    this.lo2 = new Float64Array(n).fill(Infinity);
    this.arg1 = new Int32Array(n);
    this.fresh = new Int32Array(n);
    this.exactAt = new Int32Array(n).fill(-1);
    this.dots = new PickDots(h);
    this.delta = this.dots.store ? f32TileDotBound(paddedCols(h.cols)) + 1e-15 : 0;
    const members = new Int32Array(n - 1);
    for (let i = 0, k = 0; i < n; i++) if (i !== first) members[k++] = i;
    this.heap = new LazyMaxHeap(this.key, members);
  }

  /** Dot products computed (diagnostic). */
  get dotCount(): number {
    return this.dots.count;
  }

  /** The next pick given the picks so far (`order`): the unselected token with the largest m. */
  next(order: readonly number[]): number {
    const t = order.length;
    for (;;) {
      const i = this.heap.top();
      if (this.fresh[i] !== t) {
        const k = this.dots.store ? this.heap.runnerUp() : -1;
        if (k >= 0 && this.fresh[k] !== t) {
          this.refreshPair(i, k, order);
          this.heap.loweredRunnerUp();
        } else this.refresh(i, order);
      } else if (this.exactAt[i] === t) {
        this.heap.pop();
        return i;
      } else {
        this.key[i] = this.exactOf(i, order);
        this.exactAt[i] = t;
      }
      this.heap.lowered();
    }
  }

  /** The exact m_i over every pick (i is fresh). */
  private exactOf(i: number, order: readonly number[]): number {
    if (this.lo2[i] > this.lo1[i] + 2 * this.delta) return this.distances(i, order, this.arg1[i], 1, undefined, false);
    let m = Infinity;
    for (let from = 0; from < order.length; from += SIMD_BATCH) m = Math.min(m, this.distances(i, order, from, Math.min(SIMD_BATCH, order.length - from), undefined, false));
    return m;
  }

  /** Brings token i's screened bounds and key up to date with every pick in `order`. */
  private refresh(i: number, order: readonly number[]): void {
    this.refreshes++;
    this.screenTo(i, order, order.length);
    this.settle(i, order.length);
  }

  /** Folds the screened distances of token i to picks order[fresh_i … upto) into its bounds. */
  private screenTo(i: number, order: readonly number[], upto: number): void {
    for (let from = this.fresh[i]; from < upto; from += SIMD_BATCH) this.distances(i, order, from, Math.min(SIMD_BATCH, upto - from), this.dots.store, true);
  }

  /** Marks token i's bounds as covering the first t picks and lowers its key to match. */
  private settle(i: number, t: number): void {
    this.fresh[i] = t;
    const bound = this.lo1[i] + this.delta;
    if (bound < this.key[i]) this.key[i] = bound;
  }

  /**
   * {@link refresh} for the top token i and the runner-up k (both stale; SIMD store): the picks
   * only one of them misses alone, the picks both miss in one pass for the two. The runner-up's
   * key is the largest after the top's, so it is refreshed next anyway, and a refresh never
   * screens a pick twice.
   */
  private refreshPair(i: number, k: number, order: readonly number[]): void {
    this.refreshes += 2;
    const t = order.length;
    const common = Math.max(this.fresh[i], this.fresh[k]);
    this.screenTo(i, order, common);
    this.screenTo(k, order, common);
    const store = this.dots.store as SimdRowStore;
    for (let from = common; from < t; from += PAIR_BATCH) {
      const count = Math.min(PAIR_BATCH, t - from);
      const dots = this.dots.screenedPair(store, i, k, order, from, count);
      this.fold(i, order, from, count, dots, 0, store, true);
      this.fold(k, order, from, count, dots, 1, store, true);
    }
    this.settle(i, t);
    this.settle(k, t);
  }

  /**
   * Distances of token i to picks order[from … from+count), screened through `store` or else
   * double; `fold`: into lo1 / arg1 / lo2. Returns their min.
   */
  private distances(i: number, order: readonly number[], from: number, count: number, store: SimdRowStore | undefined, fold: boolean): number {
    const dots = store ? this.dots.screened(store, i, order, from, count) : this.dots.exact(i, order, from, count);
    return this.fold(i, order, from, count, dots, -1, store, fold);
  }

  /**
   * The distances of token i to picks order[from … from+count) from their dots — dots[s], or
   * dots[2s + lane] for a pair's lane (0, 1) — screened (`store`) or double; `record`: into lo1 /
   * arg1 / lo2. Returns their min.
   */
  private fold(i: number, order: readonly number[], from: number, count: number, dots: Float64Array, lane: number, store: SimdRowStore | undefined, record: boolean): number {
    const { norms } = this;
    const ni = norms[i];
    const [step, at] = lane < 0 ? [1, 0] : [2, lane];
    const [lo, hi] = F32_SAFE_NORM_PRODUCT;
    let m = Infinity;
    for (let s = 0; s < count; s++) {
      const j = order[from + s];
      const scale = norms[j] * ni;
      const dot = dots[step * s + at];
      let d: number;
      if (!store || scale === 0) d = 1 - cosineFromDot(dot, norms[j], ni);
      else if (scale >= lo && scale <= hi) d = 1 - dot / scale;
      else d = 1 - cosineFromDot(store.dot(i, j), norms[j], ni);
      if (d < m) m = d;
      if (!record) continue;
      if (d < this.lo1[i]) {
        this.lo2[i] = this.lo1[i];
        this.lo1[i] = d;
        this.arg1[i] = from + s;
      } else if (d < this.lo2[i]) this.lo2[i] = d;
    }
    return m;
  }
}
