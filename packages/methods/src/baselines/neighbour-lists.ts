import { cosineFromDot, dot1x4, dot4x4, F32_SAFE_NORM_PRODUCT, f32DotBound, pairDot, SIMD_BATCH, storeFor, type SimdRowStore } from '@d2pruner/kernels';

/**
 * Top-K most similar partners of every row of a token subset, for VisPruner's repeated
 * "max similarity against the odd half" queries on the CPU (docs/baselines.md §5 step 4.3).
 *
 * {@link build} costs one pass over all pairs of the subset (|S|²/2 dots, 4×4 tiles, no |S|²
 * matrix). A query max_{b∈B} cos(a, b) walks a's list and returns the first partner in B: every
 * partner missing from the list is at most as similar as the list's last entry, so that is the
 * exact maximum, provided B lies inside the set the list was built over. When no listed partner
 * is in B, row a is re-scanned against the current residual (which contains B and every later
 * B): that answers the query and refills a's list over the smaller set.
 */
export class NeighbourLists {
  private readonly values: Float64Array;
  private readonly partners: Int32Array;
  private readonly counts: Int32Array;
  private readonly mark: Int32Array;
  private stamp = 0;
  /** List capacity (after a re-scan); the build keeps k. */
  private readonly cap: number;
  /** The K largest screened values of a refresh (descending). */
  private readonly topScratch: Float64Array;
  /** Rows re-scanned because no listed partner was a candidate (diagnostic). */
  refreshes = 0;
  /** Dot products computed (diagnostic). */
  dots = 0;

  /**
   * @param x row-major features [rows × cols]
   * @param rows number of rows
   * @param cols number of columns
   * @param norms L2 norm of every row
   * @param k partners kept per row by the build (a re-scan keeps 2k: the re-scan costs |residual|
   *   float32 dots, each listed partner one double dot, so a longer list is cheap there and
   *   makes the next re-scan of that row later)
   */
  constructor(
    private readonly x: Float32Array,
    rows: number,
    private readonly cols: number,
    private readonly norms: Float64Array,
    private readonly k = 32,
  ) {
    this.cap = 2 * k;
    this.values = new Float64Array(rows * this.cap);
    this.partners = new Int32Array(rows * this.cap);
    this.counts = new Int32Array(rows);
    this.mark = new Int32Array(rows);
    this.topScratch = new Float64Array(this.cap);
  }

  /**
   * Builds the lists of every row of `subset` over the partners in `subset`: screened in float32
   * when the rows are wide enough for the SIMD store (`buildScreened`), else exactly.
   */
  build(subset: Int32Array): void {
    if (!this.buildScreened(subset)) this.buildExact(subset);
  }

  /**
   * The screened build: every pair's cosine in float32 SIMD (one range call per row against the
   * higher rows), within δ = f32DotBound(D) of the double one, kept in wide lists (2K per row)
   * by that value while each row remembers the best value it turned away. When a row's K-th
   * screened value stays more than 2δ above everything turned away, its exact top K lies among
   * its wide entries within 2δ of that K-th value (any other partner is at least δ below each of
   * them), so only those get double cosines (the values of {@link buildExact}) and the K best
   * are kept. Other rows (near-ties over 2K entries, norms outside the float32-safe range) are
   * refreshed. Returns false when no SIMD store serves these rows.
   */
  private buildScreened(subset: Int32Array): boolean {
    const store = storeFor(this.x, this.cols);
    if (!store) return false;
    const rows = this.norms.length;
    const k = this.k;
    const wide = new WideLists(rows, 2 * k);
    const delta = f32DotBound(this.cols) + 1e-15;
    const [lo, hi] = F32_SAFE_NORM_PRODUCT;
    const inSubset = new Uint8Array(rows);
    for (const i of subset) inSubset[i] = 1;
    const exactOnly = new Uint8Array(rows);
    const row = new Float64Array(rows);
    for (let i = 0; i < rows; i++) {
      if (!inSubset[i] || i === rows - 1) continue;
      store.dotsRangeF32(i, i + 1, rows - i - 1, row);
      this.dots += rows - i - 1;
      const ni = this.norms[i];
      for (let j = i + 1; j < rows; j++) {
        if (!inSubset[j]) continue;
        const scale = ni * this.norms[j];
        let v: number;
        if (scale === 0) v = 0;
        else if (scale >= lo && scale <= hi) v = row[j - i - 1] / scale;
        else {
          exactOnly[i] = 1;
          exactOnly[j] = 1;
          continue;
        }
        wide.offer(i, j, v);
        wide.offer(j, i, v);
      }
    }
    for (const i of subset) {
      this.counts[i] = 0;
      const c = wide.counts[i];
      const base = i * wide.cap;
      const kth = c < k ? -Infinity : wide.values[base + k - 1];
      if (exactOnly[i] || !(kth - 2 * delta > wide.turnedAway[i])) {
        this.refreshOver(i, subset);
        continue;
      }
      for (let p = 0; p < c && wide.values[base + p] >= kth - 2 * delta; p++) {
        const j = wide.partners[base + p];
        this.offer(i, j, cosineFromDot(pairDot(this.x, this.cols, i, j), this.norms[i], this.norms[j]));
        this.dots++;
      }
    }
    return true;
  }

  /** Rebuilds row a's list over `over` (every member but a), nothing marked. */
  private refreshOver(a: number, over: Int32Array): void {
    this.stamp++;
    this.refreshRow(a, over);
  }

  /** {@link refresh}, screened when a SIMD store serves these rows. */
  private refreshRow(a: number, residual: Int32Array): number {
    const store = storeFor(this.x, this.cols);
    return store ? this.refreshScreened(a, residual, store) : this.refresh(a, residual);
  }

  /**
   * The list {@link refresh} builds and the maximum it returns, from a float32 scan of a against
   * `residual`: only partners within 2δ of the K-th screened value, or of the best screened
   * marked one, can be in the exact top K or be the exact maximum, so only they get double
   * cosines — offered in `residual` order, which leaves exactly the list the full scan leaves.
   */
  private refreshScreened(a: number, residual: Int32Array, store: SimdRowStore): number {
    this.refreshes++;
    const len = residual.length;
    const approx = new Float64Array(len);
    const chunk = new Float64Array(SIMD_BATCH);
    const [lo, hi] = F32_SAFE_NORM_PRODUCT;
    const delta = f32DotBound(this.cols) + 1e-15;
    const na = this.norms[a];
    for (let from = 0; from < len; from += SIMD_BATCH) {
      const count = Math.min(SIMD_BATCH, len - from);
      store.dotsF32(a, residual, from, count, chunk);
      this.dots += count;
      for (let r = 0; r < count; r++) {
        const scale = na * this.norms[residual[from + r]];
        approx[from + r] = scale === 0 ? 0 : scale >= lo && scale <= hi ? chunk[r] / scale : NaN;
      }
    }
    const top = this.topScratch;
    let filled = 0;
    let bestMarked = -Infinity;
    for (let r = 0; r < len; r++) {
      const v = approx[r];
      if (residual[r] === a || v !== v) continue;
      if (filled < this.cap) filled = insertDescending(top, filled, v, true);
      else if (v > top[filled - 1]) insertDescending(top, filled - 1, v, false);
      if (this.mark[residual[r]] === this.stamp && v > bestMarked) bestMarked = v;
    }
    const kth = filled < this.cap ? -Infinity : top[this.cap - 1];
    this.counts[a] = 0;
    let best = -Infinity;
    for (let r = 0; r < len; r++) {
      const c = residual[r];
      if (c === a) continue;
      const v = approx[r];
      const marked = this.mark[c] === this.stamp;
      if (v === v && v < kth - 2 * delta && !(marked && v >= bestMarked - 2 * delta)) continue;
      const exact = cosineFromDot(pairDot(this.x, this.cols, a, c), na, this.norms[c]);
      this.dots++;
      this.offer(a, c, exact, this.cap);
      if (marked && exact > best) best = exact;
    }
    return best;
  }

  /** The exact build: all pairs of `subset` in 4×4 tiles of double dots. */
  private buildExact(subset: Int32Array): void {
    const len = subset.length;
    if (len === 0) return;
    for (let i = 0; i < len; i++) this.counts[subset[i]] = 0;
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
            this.offer(i, j, v);
            this.offer(j, i, v);
          }
        }
      }
    }
  }

  /** Offers partner j with value v to row i's list, kept to its `k` largest. */
  private offer(i: number, j: number, v: number, k = this.k): void {
    const base = i * this.cap;
    let c = this.counts[i];
    if (c >= k) {
      if (!(v > this.values[base + k - 1])) return;
      c = k - 1;
      this.counts[i] = k;
    } else {
      this.counts[i] = c + 1;
    }
    insertSorted(this.values, this.partners, base, c, v, j);
  }

  /**
   * For every a in `queries`: max over b in `candidates` of cos(x_a, x_b) (−∞ when none).
   * `residual` must contain every candidate and be contained in the set the lists were built
   * over (or last refreshed against); rows without a listed candidate are re-scanned against it.
   */
  maxAgainst(queries: Int32Array, candidates: Int32Array, residual: Int32Array): Float64Array {
    this.stamp++;
    for (let r = 0; r < candidates.length; r++) this.mark[candidates[r]] = this.stamp;
    const out = new Float64Array(queries.length);
    for (let q = 0; q < queries.length; q++) {
      const a = queries[q];
      const base = a * this.cap;
      const c = this.counts[a];
      let found = false;
      for (let p = 0; p < c; p++) {
        if (this.mark[this.partners[base + p]] === this.stamp) {
          out[q] = this.values[base + p];
          found = true;
          break;
        }
      }
      if (!found) out[q] = this.refreshRow(a, residual);
    }
    return out;
  }

  /** Rebuilds a's list over `residual` and returns its max over the marked candidates. */
  private refresh(a: number, residual: Int32Array): number {
    this.refreshes++;
    this.counts[a] = 0;
    const t = new Float64Array(4);
    let best = -Infinity;
    const len = residual.length;
    for (let r = 0; r < len; r += 4) {
      const c0 = residual[r];
      const c1 = residual[Math.min(r + 1, len - 1)];
      const c2 = residual[Math.min(r + 2, len - 1)];
      const c3 = residual[Math.min(r + 3, len - 1)];
      dot1x4(this.x, this.cols, a, c0, c1, c2, c3, t);
      this.dots += 4;
      for (let s = 0; s < 4 && r + s < len; s++) {
        const c = residual[r + s];
        if (c === a) continue;
        const v = cosineFromDot(t[s], this.norms[a], this.norms[c]);
        this.offer(a, c, v, this.cap);
        if (this.mark[c] === this.stamp && v > best) best = v;
      }
    }
    return best;
  }
}

/** Per-row lists of the `cap` largest values offered (descending), and the best value each turned away. */
class WideLists {
  readonly values: Float64Array;
  readonly partners: Int32Array;
  readonly counts: Int32Array;
  readonly turnedAway: Float64Array;

  constructor(
    rows: number,
    readonly cap: number,
  ) {
    this.values = new Float64Array(rows * cap);
    this.partners = new Int32Array(rows * cap);
    this.counts = new Int32Array(rows);
    this.turnedAway = new Float64Array(rows).fill(-Infinity);
  }

  offer(i: number, j: number, v: number): void {
    const cap = this.cap;
    const base = i * cap;
    let c = this.counts[i];
    if (c === cap) {
      const last = this.values[base + cap - 1];
      if (!(v > last)) {
        if (v > this.turnedAway[i]) this.turnedAway[i] = v;
        return;
      }
      if (last > this.turnedAway[i]) this.turnedAway[i] = last;
      c = cap - 1;
    } else {
      this.counts[i] = c + 1;
    }
    insertSorted(this.values, this.partners, base, c, v, j);
  }
}

/** Inserts (v, j) into the descending run values[base … base+c) (after equal values), shifting the tail by one. */
function insertSorted(values: Float64Array, partners: Int32Array, base: number, c: number, v: number, j: number): void {
  let p = c;
  while (p > 0 && values[base + p - 1] < v) {
    values[base + p] = values[base + p - 1];
    partners[base + p] = partners[base + p - 1];
    p--;
  }
  values[base + p] = v;
  partners[base + p] = j;
}

/** Inserts v into the descending run top[0 … c) and returns the new length c + 1 (`grow`) or c (the slot at c was free). */
function insertDescending(top: Float64Array, c: number, v: number, grow: boolean): number {
  let p = c;
  while (p > 0 && top[p - 1] < v) {
    top[p] = top[p - 1];
    p--;
  }
  top[p] = v;
  return grow ? c + 1 : c;
}
