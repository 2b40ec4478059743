import { F32_SAFE_NORM_PRODUCT, f32TileDotBound, seqDotsF32, seqPairDotsF32, type DotExports } from '@d2pruner/kernels';
import { screenFallSum } from './dpp-fall-sum.js';

/** Byte offsets of the screen's regions in the instance's memory (16-aligned). */
export interface DppScreenLayout {
  /** `steps` double basis rows of `stride` doubles, consecutive. */
  basisF64: number;
  /** The same rows rounded to float32 (`stride` floats apart). */
  basisF32: number;
  /** `2·steps` floats: the dots of the last screen. */
  out: number;
}

/**
 * Engineering allowance for the distance between a computed double basis row and the exact
 * one (Gram–Schmidt in double drifts by about 1e-15 per step on the rows it accepts; see
 * {@link DppScreen.add}), a million times that drift.
 */
const BASIS_DRIFT = 1e-6;
/** A basis row is accepted only while its pick's distance to the earlier picks is at least this fraction of its length. */
const MIN_RELATIVE_SCALE = 1e-3;
/** Largest accepted |‖q_s‖² − 1| and |⟨q_s, q_{s−1}⟩| of a computed basis row. */
const ORTHONORMAL_TOL = 1e-9;

/**
 * The float32 screen of CDPruner's lazy greedy MAP (docs/baselines.md §7 step 3): with the kernel
 * L = BᵀB (b_i = r_i·h_i/‖h_i‖), step s's Cholesky entry is e_s[i] = ⟨b_i, q_s⟩ for the
 * Gram–Schmidt basis q_0, q_1, … of the picks, so d²_i falls by Σ_s ⟨b_i, q_s⟩² over a run of
 * steps. The screen keeps each q_s in double (computed from the pick's exact Cholesky column
 * with `combineRowsF64`) and rounded to float32, and bounds that fall from below with float32
 * dots: |f32dot(h_i, q̃_s)/‖h_i‖ − ⟨h_i/‖h_i‖, q_s⟩| ≤ η_s = γ·‖q̃_s‖ + ‖q̃_s − q_s‖ + drift, so
 * Σ_s (|dot_s|/‖h_i‖ − η_s)₊² ≤ Σ_s e_s[i]²/r_i². A stale d² minus r_i² times that sum is still an
 * upper bound of the current d², at a fraction of the double dots' cost; the exact refresh runs
 * only for tokens whose bound stays on top. A basis row that fails the checks (a nearly
 * dependent pick, lost orthogonality) ends the screen: {@link limit} stops there for good.
 */
export class DppScreen {
  /** Steps with a valid basis row: a screen covers steps below it. */
  limit = 0;
  /** η_s per step (see the class comment). */
  private readonly eta: Float64Array;
  private readonly gamma: number;
  private readonly dots: Float32Array;
  /** The two sums of the last {@link fallPair}. */
  private readonly pair = new Float64Array(2);
  private readonly basisF64: Float64Array;
  private readonly basisF32: Float32Array;

  /**
   * @param wasm the instance whose memory holds the regions and the token rows
   * @param at the regions
   * @param steps basis rows at most (the budget)
   * @param stride doubles / floats per row (a multiple of 16, zero padded)
   * @param eta where to keep η_s (`steps` doubles; a screen helper reads them there), else own memory
   */
  constructor(
    private readonly wasm: DotExports,
    private readonly at: DppScreenLayout,
    steps: number,
    private readonly stride: number,
    eta?: Float64Array,
  ) {
    const buffer = wasm.mem.buffer;
    this.eta = eta ?? new Float64Array(steps);
    this.gamma = f32TileDotBound(stride);
    this.dots = new Float32Array(buffer, at.out, 2 * steps);
    this.basisF64 = new Float64Array(buffer, at.basisF64, steps * stride);
    this.basisF32 = new Float32Array(buffer, at.basisF32, steps * stride);
  }

  /**
   * Whether the screen is likely to pay for a greedy of `steps` picks over `rows` tokens of
   * `cols` features. Every pick needs its whole exact column anyway, and the basis costs about as
   * much as those columns, so the screen only saves on tokens that are never picked: it pays when
   * they are many. Measured on realistic scenes with text relevance (greedy time without / with):
   * N 3328 × D 1024: 1.7× at N/steps = 10, 1.2–1.3× at 3.3–4.8; N 2304: 1.45–1.5× at 10, at 5
   * 1.23× (D 1024) but 0.81× (D 4096); N 1152: 1.26–1.4× at 10, 0.97–1.04× at 5; N 576: 0.87–1.03×
   * at 4.5–9. Hence rows ≥ 1024 and rows ≥ 6·steps. Past the rank (steps ≥ cols) the greedy ends
   * with every token's exact refresh, which the screen cannot spare.
   */
  static worthwhile(rows: number, cols: number, steps: number): boolean {
    return rows >= 1024 && rows >= 6 * steps && steps < cols;
  }

  /** Whether a row of this norm can be screened (float32 products neither overflow nor underflow). */
  static screenable(norm: number): boolean {
    const [lo, hi] = F32_SAFE_NORM_PRODUCT;
    return norm >= 2 * lo && norm <= hi / 2;
  }

  /**
   * Adds basis row s for pick j: q_s = (w·h_j − Σ_{q<s} e_q[j]·q_q) / scale, with h_j's double row
   * at byte offset `rowAt`, w = r_j/‖h_j‖, its Cholesky column (s doubles) at `columnAt` and
   * scale = √d²_j; `relativeScale` = scale / r_j. Keeps it when s = {@link limit} and the row
   * passes the checks; otherwise the screen stays limited.
   */
  add(s: number, rowAt: number, w: number, columnAt: number, scale: number, relativeScale: number): void {
    if (s !== this.limit || !(relativeScale >= MIN_RELATIVE_SCALE)) return;
    const { stride, basisF64 } = this;
    const at = s * stride;
    this.wasm.combineRowsF64(rowAt, w, this.at.basisF64, columnAt, s, stride, 1 / scale, this.at.basisF64 + at * 8);
    let norm2 = 0;
    let prev = 0;
    for (let k = 0; k < stride; k++) {
      const v = basisF64[at + k];
      norm2 += v * v;
      if (s > 0) prev += v * basisF64[at - stride + k];
    }
    if (!(Math.abs(norm2 - 1) <= ORTHONORMAL_TOL && Math.abs(prev) <= ORTHONORMAL_TOL)) return;
    const rounded = this.basisF32.subarray(at, at + stride);
    rounded.set(basisF64.subarray(at, at + stride));
    let rounded2 = 0;
    for (let k = 0; k < stride; k++) rounded2 += rounded[k] * rounded[k];
    this.eta[s] = this.gamma * Math.sqrt(rounded2) * (1 + 1e-9) + 2 ** -24 * Math.sqrt(norm2) * (1 + 1e-9) + BASIS_DRIFT;
    this.limit = s + 1;
  }

  /**
   * A lower bound of Σ_{s=from}^{from+count−1} e_s[i]² / r_i² for the token whose float32 row is at
   * byte offset `rowAt`, with 1/‖h_i‖ = `invNorm` (the token must be {@link screenable}); steps
   * below {@link limit}.
   */
  fall(rowAt: number, invNorm: number, from: number, count: number): number {
    seqDotsF32(this.wasm, rowAt, this.basisRow(from), count, this.stride, this.at.out);
    return this.sum(from, count, invNorm, 0, 1);
  }

  /**
   * {@link fall} for two tokens over the same steps in one pass over the basis rows (each basis
   * chunk read once for both): their two sums, in a reused array.
   */
  fallPair(rowA: number, rowB: number, invA: number, invB: number, from: number, count: number): Float64Array {
    seqPairDotsF32(this.wasm, rowA, rowB, this.basisRow(from), count, this.stride, this.at.out, 2);
    this.pair[0] = this.sum(from, count, invA, 0, 2);
    this.pair[1] = this.sum(from, count, invB, 1, 2);
    return this.pair;
  }

  /** Byte offset of float32 basis row s. */
  private basisRow(s: number): number {
    return this.at.basisF32 + s * this.stride * 4;
  }

  /** Σ_k (|dots[at + k·step]|·invNorm − η_{from+k})₊² over k < count ({@link screenFallSum}). */
  private sum(from: number, count: number, invNorm: number, at: number, step: number): number {
    return screenFallSum(this.dots, this.eta, from, count, invNorm, at, step);
  }
}
