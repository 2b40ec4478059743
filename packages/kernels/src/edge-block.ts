import type { Matrix } from '@d2pruner/core';
import { cosineFromDot, rowDot, rowNorm } from './cpu/linalg.js';

/** Unit roundoff of float32 (2⁻²⁴). */
export const F32_UNIT_ROUNDOFF = 2 ** -24;

/**
 * The summation of every float32 dot product in the `edgeBlock` kernel: chunks of `chunk` terms
 * summed into a partial, partials added to the running total (blocked summation). A backend
 * whose cosines come from a different tree must declare its own depth.
 */
export interface SummationShape {
  /** Terms per chunk (16 in the WebGPU kernel). */
  chunk: number;
}

/** Higham's γ_n = n·u / (1 − n·u) for float32. */
function gamma(n: number): number {
  const nu = n * F32_UNIT_ROUNDOFF;
  return nu < 0.5 ? nu / (1 - nu) : Infinity;
}

/**
 * A proven bound on |cos_f32 − cos_exact| for a cosine computed in float32 from rows of width
 * `d`, with the summation of {@link SummationShape}, plus the CPU reference's own float64 error.
 *
 * Derivation (Higham, *Accuracy and Stability*, §3.1 and §4.2): a sum whose evaluation tree has
 * depth h satisfies |fl(Σ) − Σ| ≤ γ_h·Σ|terms|, with or without fused multiply-adds. Blocked
 * summation with chunks of c terms has depth h = c + ⌈d/c⌉, so for the dot product
 * |fl(a·b) − a·b| ≤ γ_h·Σ|a_k b_k| ≤ γ_h·‖a‖‖b‖ (Cauchy–Schwarz), i.e. an absolute error of γ_h
 * on the cosine scale. Each squared norm carries a relative error ≤ γ_h, hence each inverse norm
 * 1/√(‖a‖²) a relative error ≤ γ_h/2 + ε_op, where ε_op = 12u covers WGSL's sqrt (inherited from
 * inverseSqrt, 2 ULP, and a division, 2.5 ULP) and the reciprocal (2.5 ULP), 1 ULP ≤ 2u. The
 * final cos = dot·(inv_a·inv_b) adds two correctly rounded products (2u) and |cos| ≤ 1 + γ_h.
 * Together: |Δcos| ≤ γ_h + 2(γ_h/2 + 12u) + 2u + O(u²) = 2γ_h + 26u + O(u²). We return twice
 * that (absorbing the second-order terms by a wide margin) plus d·2⁻⁵⁰, four times the first-order
 * bound of the float64 reference (depth ≤ d, unit roundoff 2⁻⁵³). Rows whose squared norm is
 * below 2⁻⁹⁶ (where float32 products may flush to zero) or not finite are excluded from the
 * bound and resolved on the CPU: see `edgeBlock`.
 */
export function cosineErrorBound(d: number, shape: SummationShape = { chunk: 16 }): number {
  const depth = Math.min(d, shape.chunk + Math.ceil(d / shape.chunk));
  return 2 * (2 * gamma(Math.max(depth, 1)) + 26 * F32_UNIT_ROUNDOFF) + Math.max(d, 1) * 2 ** -50;
}

/** Rows with a float32 squared norm below this (or not finite) are always resolved on the CPU. */
export const TINY_SQUARED_NORM = 2 ** -96;

/**
 * Inputs of the `edgeBlock` kernel: the semantic part of the fused edge rule (docs/algorithm.md §3, step 5)
 * over the rows `subset` of `x`, certified. For every pair i < j of positions in `subset` it
 * decides `alpha·clamp(cos_ij, 0, 1) > theta` (the rule for two tokens that are not spatial
 * neighbours); a backend whose cosines carry rounding error reports the pairs it cannot decide
 * within `bound` as uncertain instead of guessing. Spatial neighbours are the caller's business.
 */
export interface EdgeBlockInput {
  x: Matrix;
  subset: Int32Array;
  alpha: number;
  theta: number;
  /**
   * Testing only: a GPU backend moves each computed cosine by this much towards the threshold
   * before deciding (an adversarial rounding error). Default 0.
   */
  perturb?: number;
}

/**
 * Output of `edgeBlock`: `bits` is a k×k bitset, `ceil(k/32)` words per row, of which only the
 * strict upper triangle (bit j of row i, i < j) is defined; `uncertain` lists position pairs
 * (i, j), i < j, flattened, whose bit is undefined and must be decided exactly by the caller.
 */
export interface EdgeBlockOutput {
  bits: Uint32Array;
  uncertain: Int32Array;
}

/** The decision interval on the cosine scale: edge above `hi`, no edge below `lo`, else uncertain. */
export interface CosineThresholds {
  lo: number;
  hi: number;
}

/** The semantic rule for a cosine: alpha·min(max(cos, 0), 1) > theta (exactly as the reference). */
export function semanticEdge(cos: number, alpha: number, theta: number): boolean {
  return alpha * Math.min(Math.max(cos, 0), 1) > theta;
}

/** Float32 value ≤ v (rounding down) and ≥ v (rounding up). */
function f32Down(v: number): number {
  const f = Math.fround(v);
  if (f <= v || !Number.isFinite(v)) return f;
  return f - Math.max(Math.abs(f) * 2 ** -23, 2 ** -149);
}
function f32Up(v: number): number {
  const f = Math.fround(v);
  if (f >= v || !Number.isFinite(v)) return f;
  return f + Math.max(Math.abs(f) * 2 ** -23, 2 ** -149);
}

/**
 * Float32 thresholds for a computed cosine c with |c − exact| ≤ `bound`: c > hi ⇒ the rule holds
 * for the exact cosine, c < lo ⇒ it does not; everything between is uncertain. The rule is
 * monotone in the cosine; t = theta/alpha is where it switches, widened by 1e-9 for the rounding
 * of alpha·cos versus theta. When the rule is constant (alpha = 0, theta < 0, or alpha ≤ theta)
 * the interval is empty and every pair is decided.
 */
export function cosineThresholds(alpha: number, theta: number, bound: number): CosineThresholds {
  if (!semanticEdge(1, alpha, theta)) return { lo: Infinity, hi: Infinity };
  if (semanticEdge(0, alpha, theta)) return { lo: -Infinity, hi: -Infinity };
  const t = theta / alpha;
  const hi = t + 1e-9 * (1 + Math.abs(t)) + bound;
  // near t = 1 a computed cosine above 1 would be clamped: never certain
  return { lo: f32Down(t - 1e-9 * (1 + Math.abs(t)) - bound), hi: hi >= 1 - 1e-6 ? Infinity : f32Up(hi) };
}

/**
 * CPU reference of `edgeBlock`: float64 cosines (as the lazy graph computes them), every pair
 * decided, nothing uncertain.
 */
export function cpuEdgeBlock({ x, subset, alpha, theta }: EdgeBlockInput): EdgeBlockOutput {
  const k = subset.length;
  const d = x.cols;
  const norms = Float64Array.from(subset, (r) => rowNorm(x.data, d, r));
  const cosine = (a: number, b: number) => cosineFromDot(rowDot(x.data, d, subset[a], subset[b]), norms[a], norms[b]);
  const words = Math.ceil(k / 32);
  const bits = new Uint32Array(k * words);
  for (let i = 0; i < k; i++) {
    for (let j = i + 1; j < k; j++) {
      if (semanticEdge(cosine(i, j), alpha, theta)) bits[i * words + (j >>> 5)] |= 1 << (j & 31);
    }
  }
  return { bits, uncertain: new Int32Array(0) };
}

/**
 * Applies exact decisions to the uncertain pairs of an `edgeBlock` output, in place: `decide(i, j)`
 * (positions, i < j) returns the exact semantic rule. Returns the output's `bits`.
 */
export function resolveEdgeBlock(out: EdgeBlockOutput, k: number, decide: (i: number, j: number) => boolean): Uint32Array {
  const words = Math.ceil(k / 32);
  const u = out.uncertain;
  for (let p = 0; p + 1 < u.length; p += 2) {
    const i = u[p];
    const j = u[p + 1];
    const w = i * words + (j >>> 5);
    if (decide(i, j)) out.bits[w] |= 1 << (j & 31);
    else out.bits[w] &= ~(1 << (j & 31));
  }
  return out.bits;
}
