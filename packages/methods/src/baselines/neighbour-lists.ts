import { cosineFromDot, dot1x4, dot4x4 } from '@d2pruner/kernels';

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
  /** Rows re-scanned because no listed partner was a candidate (diagnostic). */
  refreshes = 0;
  /** Dot products computed (diagnostic). */
  dots = 0;

  /**
   * @param x row-major features [rows × cols]
   * @param rows number of rows
   * @param cols number of columns
   * @param norms L2 norm of every row
   * @param k partners kept per row
   */
  constructor(
    private readonly x: Float32Array,
    rows: number,
    private readonly cols: number,
    private readonly norms: Float64Array,
    private readonly k = 32,
  ) {
    this.values = new Float64Array(rows * k);
    this.partners = new Int32Array(rows * k);
    this.counts = new Int32Array(rows);
    this.mark = new Int32Array(rows);
  }

  /** Builds the lists of every row of `subset` over the partners in `subset`. */
  build(subset: Int32Array): void {
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

  private offer(i: number, j: number, v: number): void {
    const k = this.k;
    const base = i * k;
    let c = this.counts[i];
    if (c === k) {
      if (!(v > this.values[base + k - 1])) return;
      c = k - 1;
    } else {
      this.counts[i] = c + 1;
    }
    let p = c;
    while (p > 0 && this.values[base + p - 1] < v) {
      this.values[base + p] = this.values[base + p - 1];
      this.partners[base + p] = this.partners[base + p - 1];
      p--;
    }
    this.values[base + p] = v;
    this.partners[base + p] = j;
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
      const base = a * this.k;
      const c = this.counts[a];
      let found = false;
      for (let p = 0; p < c; p++) {
        if (this.mark[this.partners[base + p]] === this.stamp) {
          out[q] = this.values[base + p];
          found = true;
          break;
        }
      }
      if (!found) out[q] = this.refresh(a, residual);
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
        this.offer(a, c, v);
        if (this.mark[c] === this.stamp && v > best) best = v;
      }
    }
    return best;
  }
}
