import { cosineFromDot, dot1x4, dot4x4, F32_SAFE_NORM_PRODUCT, f32QuadDotBound, pairDot, SIMD_BATCH, SIMD_ROW_ALIGN, storeFor, type SimdRowStore } from '@d2pruner/kernels';
import type { HelperThread } from '@d2pruner/core';
import { QuadDotsRun } from './quad-dots.js';
import { kthSmallest } from './screened-bottomk.js';

/** Smallest subset whose build is shared with a helper thread (below it the copy into shared memory costs more than half the build). */
const SHARED_BUILD_MIN = 256;

/**
 * Top-K most similar partners of every row of a token subset, for VisPruner's repeated
 * "max similarity against the odd half" queries on the CPU (docs/baselines.md §5 step 4.3).
 *
 * {@link build} costs one pass over all pairs of the subset (|S|²/2 dots, no |S|² matrix). Where
 * a SIMD store serves the rows, the lists hold float32-screened cosines (within δ =
 * f32DotBound(D) of the double ones) and each row a remembers a floor: every partner of the set
 * its list was built over that is not listed has a screened value ≤ floor. A query
 * max_{b∈B} cos(a, b) takes the first listed partner in B (screened v₁); when floor ≤ v₁ − 2δ,
 * the exact maximum is the largest double cosine among the listed B partners screened ≥ v₁ − 2δ
 * (any other partner is at least δ below the first's exact value), computed on demand and kept.
 * Otherwise (no listed partner in B, or a floor too close) row a is re-scanned against the
 * current residual (which contains B and every later B): that answers the query and refills its
 * list over the smaller set. Without a SIMD store every value is exact (δ = 0).
 */
export class NeighbourLists {
  private readonly screened: Float64Array;
  private readonly exact: Float64Array;
  private readonly partners: Int32Array;
  private readonly counts: Int32Array;
  private readonly floor: Float64Array;
  private readonly mark: Int32Array;
  private stamp = 0;
  private readonly store: SimdRowStore | undefined;
  private readonly delta: number;
  /** Screened values of one re-scan. */
  private readonly scan: Float64Array;
  /** Entries per row: k listed, up to 2k buffered during the build. */
  private readonly stride: number;
  /** During the build: offers not above a row's gate are turned away. */
  private readonly gate: Float64Array;
  private readonly ascending: Float64Array;
  /** Rows re-scanned because no listed partner settled a query (diagnostic). */
  refreshes = 0;
  /** Dot products computed (diagnostic). */
  dots = 0;
  /** Build groups (four rows' dots with the rest) a helper thread computed (diagnostic). */
  helperGroups = 0;

  /**
   * @param x row-major features [rows × cols]
   * @param rows number of rows
   * @param cols number of columns
   * @param norms L2 norm of every row
   * @param k partners kept per row
   * @param helper a thread that computes part of the build's float32 dots (`QuadDotsRun`), if any
   */
  constructor(
    private readonly x: Float32Array,
    rows: number,
    private readonly cols: number,
    private readonly norms: Float64Array,
    private readonly k = 32,
    private readonly helper?: HelperThread,
  ) {
    this.stride = 2 * k;
    this.screened = new Float64Array(rows * this.stride);
    this.exact = new Float64Array(rows * this.stride);
    this.partners = new Int32Array(rows * this.stride);
    this.gate = new Float64Array(rows);
    this.ascending = new Float64Array(this.stride);
    this.counts = new Int32Array(rows);
    this.floor = new Float64Array(rows).fill(-Infinity);
    this.mark = new Int32Array(rows);
    this.scan = new Float64Array(rows);
    this.store = storeFor(x, cols);
    // the build's quad dots (the pair tile) have the looser bound of the two float32 kernels (re-scans use the one-row kernel)
    this.delta = this.store ? f32QuadDotBound(Math.ceil(cols / SIMD_ROW_ALIGN) * SIMD_ROW_ALIGN) + 1e-15 : 0;
  }

  /** Builds the lists of every row of `subset` over the partners in `subset`. */
  build(subset: Int32Array): void {
    for (const i of subset) {
      this.counts[i] = 0;
      this.floor[i] = -Infinity;
      this.gate[i] = -Infinity;
    }
    if (this.store) this.buildScreened(subset, this.store);
    else this.buildExact(subset);
    for (const i of subset) this.settle(i);
  }

  /**
   * A build offer: appended to row i's buffer of 2k (O(1)); a full buffer is cut back to its k
   * largest, whose smallest becomes the gate. {@link settle} sorts the list afterwards.
   */
  private collect(i: number, j: number, v: number): void {
    if (!(v > this.gate[i])) {
      if (v > this.floor[i]) this.floor[i] = v;
      return;
    }
    const c = this.counts[i];
    const at = i * this.stride + c;
    this.screened[at] = v;
    this.partners[at] = j;
    this.counts[i] = c + 1;
    if (c + 1 === this.stride) this.cut(i);
  }

  /** Keeps the k largest entries of row i's buffer (earlier ones among equal values); the best of the rest raises the floor. */
  private cut(i: number): void {
    const { screened, partners, ascending: asc, k } = this;
    const base = i * this.stride;
    const c = this.counts[i];
    asc.set(screened.subarray(base, base + c));
    const kth = kthSmallest(asc, c, c - k);
    let below = -Infinity;
    for (let p = 0; p < c - k; p++) if (asc[p] > below) below = asc[p];
    let ties = k;
    for (let p = c - k; p < c; p++) if (asc[p] > kth) ties--;
    let w = base;
    for (let p = base; p < base + c; p++) {
      const v = screened[p];
      if (v > kth || (v === kth && ties-- > 0)) {
        screened[w] = v;
        partners[w++] = partners[p];
      }
    }
    this.counts[i] = k;
    if (below > this.floor[i]) this.floor[i] = below;
    this.gate[i] = kth;
  }

  /** After the build: row i's list holds its k largest, sorted descending (equal values in offer order). */
  private settle(i: number): void {
    if (this.counts[i] > this.k) this.cut(i);
    const { screened, partners, exact } = this;
    const base = i * this.stride;
    const c = this.counts[i];
    for (let p = 1; p < c; p++) {
      const v = screened[base + p];
      const j = partners[base + p];
      let q = p;
      while (q > 0 && screened[base + q - 1] < v) {
        screened[base + q] = screened[base + q - 1];
        partners[base + q] = partners[base + q - 1];
        q--;
      }
      screened[base + q] = v;
      partners[base + q] = j;
    }
    for (let p = 0; p < c; p++) exact[base + p] = this.delta === 0 ? screened[base + p] : NaN;
  }

  /**
   * Every pair's screened cosine: the subset's rows in ascending groups of four, each group's
   * float32 dots with every higher row in one tiled pass ({@link SimdRowStore.dotsQuadF32}); with
   * a helper thread and at least {@link SHARED_BUILD_MIN} rows, the groups' dots are shared
   * between the two threads ({@link QuadDotsRun}: the same kernels, so the same values) and
   * offered in the same order.
   */
  private buildScreened(subset: Int32Array, store: SimdRowStore): void {
    const rows = this.norms.length;
    const inSubset = new Uint8Array(rows);
    for (const i of subset) inSubset[i] = 1;
    const sorted = Int32Array.from(subset).sort();
    const shared = this.helper && sorted.length >= SHARED_BUILD_MIN ? QuadDotsRun.create(this.helper, this.x, rows, this.cols, sorted) : undefined;
    if (shared) {
      try {
        shared.start();
        for (let g = 0; g < shared.groups; g++) {
          const j0 = shared.firstOf(g);
          if (j0 < rows) this.collectGroup(sorted, 4 * g, j0, inSubset, shared.group(g));
        }
      } finally {
        this.helperGroups += shared.byHelper;
        shared.release();
      }
      return;
    }
    const quad = [0, 0, 0, 0];
    const dots = new Float64Array(4 * rows);
    for (let g = 0; g < sorted.length; g += 4) {
      const size = Math.min(4, sorted.length - g);
      for (let p = 0; p < 4; p++) quad[p] = sorted[g + Math.min(p, size - 1)];
      const j0 = quad[0] + 1;
      if (j0 >= rows) continue;
      store.dotsQuadF32(quad, j0, rows - j0, dots);
      this.collectGroup(sorted, g, j0, inSubset, dots);
    }
  }

  /**
   * Offers the pairs of the group of rows sorted[g … g+3] (fewer at the end) with the subset's
   * rows from j0 on, from their float32 dots (`dots[4(j − j0) + p]`, the quad build's layout).
   */
  private collectGroup(sorted: Int32Array, g: number, j0: number, inSubset: Uint8Array, dots: ArrayLike<number>): void {
    const rows = this.norms.length;
    const size = Math.min(4, sorted.length - g);
    this.dots += size * (rows - j0);
    for (let j = j0; j < rows; j++) {
      if (!inSubset[j]) continue;
      const at = 4 * (j - j0);
      for (let p = 0; p < size; p++) {
        const i = sorted[g + p];
        if (j <= i) continue;
        const v = this.screenedCosine(i, j, dots[at + p]);
        this.collect(i, j, v);
        this.collect(j, i, v);
      }
    }
  }

  /** The screened cosine of rows i and j from their float32 dot (double when the norm product leaves the float32-safe range). */
  private screenedCosine(i: number, j: number, dot: number): number {
    const scale = this.norms[i] * this.norms[j];
    if (scale === 0) return 0;
    const [lo, hi] = F32_SAFE_NORM_PRODUCT;
    if (scale >= lo && scale <= hi) return dot / scale;
    return this.exactCosine(i, j);
  }

  /** The double cosine of rows i and j (the value every other path of the method uses). */
  private exactCosine(i: number, j: number): number {
    this.dots++;
    return cosineFromDot(pairDot(this.x, this.cols, i, j), this.norms[i], this.norms[j]);
  }

  /** The exact build: all pairs of `subset` in 4×4 tiles of double dots. */
  private buildExact(subset: Int32Array): void {
    const len = subset.length;
    if (len === 0) return;
    const padded = new Int32Array(Math.ceil(len / 4) * 4);
    padded.set(subset);
    padded.fill(subset[len - 1], len);
    const tile = new Float64Array(16);
    for (let a = 0; a < len; a += 4) {
      for (let b = a; b < len; b += 4) {
        dot4x4(this.x, this.cols, padded, a, padded, b, tile);
        this.dots += 16;
        for (let p = 0; p < 4 && a + p < len; p++) {
          const i = padded[a + p];
          for (let r = 0; r < 4 && b + r < len; r++) {
            if (b + r <= a + p) continue;
            const j = padded[b + r];
            const v = cosineFromDot(tile[4 * p + r], this.norms[i], this.norms[j]);
            this.collect(i, j, v);
            this.collect(j, i, v);
          }
        }
      }
    }
  }

  /** Offers partner j with screened value v to row i's sorted list (its k largest; the rest raise the floor). */
  private offer(i: number, j: number, v: number): void {
    const k = this.k;
    const base = i * this.stride;
    let c = this.counts[i];
    if (c === k) {
      const last = this.screened[base + k - 1];
      if (!(v > last)) {
        if (v > this.floor[i]) this.floor[i] = v;
        return;
      }
      if (last > this.floor[i]) this.floor[i] = last;
      c = k - 1;
    } else {
      this.counts[i] = c + 1;
    }
    const { screened, exact, partners } = this;
    let p = base + c;
    while (p > base && screened[p - 1] < v) {
      screened[p] = screened[p - 1];
      exact[p] = exact[p - 1];
      partners[p] = partners[p - 1];
      p--;
    }
    screened[p] = v;
    exact[p] = this.delta === 0 ? v : NaN;
    partners[p] = j;
  }

  /**
   * For every a in `queries`: max over b in `candidates` of cos(x_a, x_b) (−∞ when none).
   * `residual` must contain every candidate and be contained in the set the lists were built
   * over (or last refreshed against); rows whose lists cannot settle the query are re-scanned against it.
   */
  maxAgainst(queries: Int32Array, candidates: Int32Array, residual: Int32Array): Float64Array {
    this.stamp++;
    for (let r = 0; r < candidates.length; r++) this.mark[candidates[r]] = this.stamp;
    const out = new Float64Array(queries.length);
    for (let q = 0; q < queries.length; q++) out[q] = this.fromList(queries[q]) ?? this.refresh(queries[q], residual);
    return out;
  }

  /** The exact max of row a over the marked candidates from its list, or undefined when the list cannot settle it. */
  private fromList(a: number): number | undefined {
    const base = a * this.stride;
    const c = this.counts[a];
    let p = 0;
    while (p < c && this.mark[this.partners[base + p]] !== this.stamp) p++;
    if (p === c) return undefined;
    const limit = this.screened[base + p] - 2 * this.delta;
    if (!(this.floor[a] <= limit)) return undefined;
    let best = -Infinity;
    for (; p < c && this.screened[base + p] >= limit; p++) {
      const j = this.partners[base + p];
      if (this.mark[j] !== this.stamp) continue;
      let e = this.exact[base + p];
      if (e !== e) e = this.exact[base + p] = this.exactCosine(a, j);
      if (e > best) best = e;
    }
    return best;
  }

  /** Re-scans row a against `residual`: refills its list over it and returns the exact max over the marked candidates. */
  private refresh(a: number, residual: Int32Array): number {
    this.refreshes++;
    this.counts[a] = 0;
    this.floor[a] = -Infinity;
    const len = residual.length;
    const values = this.scan;
    this.scanRow(a, residual, values);
    let top = -Infinity;
    for (let r = 0; r < len; r++) {
      const c = residual[r];
      if (c === a) continue;
      this.offer(a, c, values[r]);
      if (this.mark[c] === this.stamp && values[r] > top) top = values[r];
    }
    if (this.delta === 0) return top;
    let best = -Infinity;
    for (let r = 0; r < len; r++) {
      const c = residual[r];
      if (c === a || this.mark[c] !== this.stamp || !(values[r] >= top - 2 * this.delta)) continue;
      const e = this.exactCosine(a, c);
      if (e > best) best = e;
    }
    return best;
  }

  /** Screened (or, without a SIMD store, exact) cosines of row a with `others` into `out`. */
  private scanRow(a: number, others: Int32Array, out: Float64Array): void {
    const len = others.length;
    const chunk = new Float64Array(SIMD_BATCH);
    if (this.store) {
      for (let from = 0; from < len; from += SIMD_BATCH) {
        const count = Math.min(SIMD_BATCH, len - from);
        this.store.dotsF32(a, others, from, count, chunk);
        this.dots += count;
        for (let r = 0; r < count; r++) out[from + r] = this.screenedCosine(a, others[from + r], chunk[r]);
      }
      return;
    }
    const t = new Float64Array(4);
    for (let r = 0; r < len; r += 4) {
      dot1x4(this.x, this.cols, a, others[r], others[Math.min(r + 1, len - 1)], others[Math.min(r + 2, len - 1)], others[Math.min(r + 3, len - 1)], t);
      this.dots += 4;
      for (let s = 0; s < 4 && r + s < len; s++) out[r + s] = cosineFromDot(t[s], this.norms[a], this.norms[others[r + s]]);
    }
  }
}
