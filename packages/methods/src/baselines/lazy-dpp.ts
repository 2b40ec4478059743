import { cosineFromDot, SIMD_BATCH } from '@d2pruner/kernels';
import type { DppColumns } from './dpp-columns.js';
import { DppScreen } from './dpp-screen.js';
import { LazyMaxHeap } from './lazy-max-heap.js';

/** Added (times r_i²) to an exact d² before a screen lowers it: covers the double rounding of the exact path, about 1e-14. */
const EXACT_SLACK = 1e-9;

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
 *
 * With a screen helper ({@link DppColumns.helper}), a stale token on top — and the runner-up
 * before it joins the top's screen — first takes the helper's bound when it covers more steps
 * and is lower (any upper bound of d² at a step, lowered by the falls of later steps only, stays
 * one), and the heap lives where the helper reads it.
 *
 * Where the columns have a float32 screen ({@link DppScreen}), a stale token on top is first
 * screened: its heap key drops to a still-valid upper bound of its d² at the cost of float32
 * dots, and only a token whose bound stays on top gets the exact refresh. Keys of tokens not
 * screened since their exact refresh are their exact d², so the argmax and its ties are decided
 * on exact values as before.
 */
export class LazyGreedyDpp {
  /** Steps token i's column and d² include. */
  private readonly fresh: Int32Array;
  /** Steps token i's heap key accounts for (≥ fresh; above it the key is a screened bound). */
  private readonly screened: Int32Array;
  /** Heap keys: d² where screened = fresh, else an upper bound of the current d². */
  private readonly key: Float64Array;
  /** 1/‖h_i‖ of tokens the screen can take, 0 for the others. */
  private readonly invNorm: Float64Array;
  private readonly heap: LazyMaxHeap;
  /** Token refreshes (diagnostic). */
  refreshes = 0;
  /** Token screens (diagnostic). */
  screens = 0;

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
    this.screened = new Int32Array(n);
    this.key = Float64Array.from(d2);
    this.invNorm = norms.map((x) => (DppScreen.screenable(x) ? 1 / x : 0));
    const helper = columns.helper;
    this.heap = new LazyMaxHeap(this.key, Int32Array.from({ length: n }, (_, i) => i), helper?.heap);
    if (helper) {
      for (let i = 0; i < n; i++) helper.bound[i] = d2[i] + EXACT_SLACK * r[i] * r[i];
      helper.inv.set(this.invNorm);
      for (let i = 0; i < n; i++) helper.r2[i] = r[i] * r[i];
      helper.start();
    }
  }

  /** Token screens the helper thread made (diagnostic; 0 without one). */
  get helperScreens(): number {
    return this.columns.helper?.screens ?? 0;
  }

  /** Takes the helper's bound of token i when it covers more steps and is lower than the key; returns whether the key dropped. */
  private adopt(i: number): boolean {
    const helper = this.columns.helper;
    const bound = helper?.take(i, this.screened[i], this.key[i]);
    if (helper === undefined || bound === undefined) return false;
    this.key[i] = bound;
    this.screened[i] = helper.takenStep;
    return true;
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
        this.columns.pick(t, i, Math.sqrt(this.d2[i]), this.r[i], this.norms[i]);
        return i;
      }
      const upto = Math.min(t, this.columns.screenLimit);
      if (this.adopt(i)) {
        this.heap.lowered();
        continue;
      }
      if (this.canScreen(i, upto)) {
        const k = this.heap.runnerUp();
        // the runner-up joins the top's screen from its own step: take the helper's bound first
        if (k >= 0 && this.adopt(k)) {
          this.heap.loweredRunnerUp();
          continue;
        }
        if (k >= 0 && this.canScreen(k, upto)) {
          this.screenPair(i, k, upto);
          this.heap.loweredRunnerUp();
        } else this.screen(i, upto);
      } else this.refresh(i, order);
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
    this.key[i] = d2;
    this.fresh[i] = t;
    this.screened[i] = t;
  }

  /** Whether token i's key can be lowered by screening steps up to `upto` − 1. */
  private canScreen(i: number, upto: number): boolean {
    return this.screened[i] < upto && this.invNorm[i] > 0;
  }

  /** The key a screen of token i starts from: its exact d² (plus the slack) or its screened bound. */
  private base(i: number): number {
    return this.screened[i] === this.fresh[i] ? this.d2[i] + EXACT_SLACK * this.r[i] * this.r[i] : this.key[i];
  }

  /** Lowers token i's key to a bound through step `upto` − 1 with the float32 screen. */
  private screen(i: number, upto: number): void {
    this.screens++;
    const from = this.screened[i];
    this.key[i] = this.base(i) - this.r[i] * this.r[i] * this.columns.screenFall(i, this.invNorm[i], from, upto - from);
    this.screened[i] = upto;
  }

  /**
   * {@link screen} for the top token i and the runner-up k: the steps only one of them misses
   * alone, the steps both miss in one pass for the two (the runner-up is screened next anyway:
   * its key is the largest after the top's, and a screen never does a step twice).
   */
  private screenPair(i: number, k: number, upto: number): void {
    this.screens += 2;
    const { columns, invNorm, r, screened } = this;
    const common = Math.max(screened[i], screened[k]);
    const ahead = (x: number) => (screened[x] < common ? columns.screenFall(x, invNorm[x], screened[x], common - screened[x]) : 0);
    const [baseI, baseK, aheadI, aheadK] = [this.base(i), this.base(k), ahead(i), ahead(k)];
    const both = columns.screenFallPair(i, k, invNorm[i], invNorm[k], common, upto - common);
    this.key[i] = baseI - r[i] * r[i] * (aheadI + both[0]);
    this.key[k] = baseK - r[k] * r[k] * (aheadK + both[1]);
    screened[i] = upto;
    screened[k] = upto;
  }
}
