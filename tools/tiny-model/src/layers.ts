import { float, int, ints, type GraphBuilder } from './onnx.js';
import { Rng } from './rng.js';

/** Where a graph's random weights come from: the model seed plus a per-graph prefix. */
export interface WeightSource {
  /** Model seed. */
  seed: number;
  /** Prefix of every tensor name of this graph (`vision`, `decoder`, `embed`). */
  prefix: string;
}

/** A random weight `[dims]` with standard deviation `std`, deterministic from seed and name. */
export function randomWeight(g: GraphBuilder, src: WeightSource, name: string, dims: readonly number[], std: number): string {
  const full = `${src.prefix}.${name}`;
  const n = dims.reduce((a, b) => a * b, 1);
  return g.floats(full, dims, Rng.forTensor(src.seed, full).uniform(n, std));
}

/** A constant weight filled with `value`. */
export function constWeight(g: GraphBuilder, src: WeightSource, name: string, dims: readonly number[], value: number): string {
  const n = dims.reduce((a, b) => a * b, 1);
  return g.floats(`${src.prefix}.${name}`, dims, new Float32Array(n).fill(value));
}

/** `x · W (+ b)` with W [in, out] random at 1/√in (and b random at 0.02 when `bias`). */
export function linear(g: GraphBuilder, src: WeightSource, name: string, x: string, inDim: number, outDim: number, bias = false): string {
  const y = g.op('MatMul', [x, randomWeight(g, src, `${name}.weight`, [inDim, outDim], 1 / Math.sqrt(inDim))]);
  return bias ? g.op('Add', [y, randomWeight(g, src, `${name}.bias`, [outDim], 0.02)]) : y;
}

/** RMSNorm over the last axis (LLaMA): x / √(mean(x²) + ε) · w, w initialised to 1. */
export function rmsNorm(g: GraphBuilder, src: WeightSource, name: string, x: string, dim: number, eps: number): string {
  const ms = g.op('ReduceMean', [g.op('Mul', [x, x])], { axes: ints([-1]), keepdims: int(1) });
  const r = g.op('Sqrt', [g.op('Add', [ms, g.scalar(eps)])]);
  return g.op('Mul', [g.op('Div', [x, r]), constWeight(g, src, `${name}.weight`, [dim], 1)]);
}

/** LayerNorm over the last axis (CLIP), γ = 1, β = 0. */
export function layerNorm(g: GraphBuilder, src: WeightSource, name: string, x: string, dim: number): string {
  return g.op('LayerNormalization', [x, constWeight(g, src, `${name}.weight`, [dim], 1), constWeight(g, src, `${name}.bias`, [dim], 0)], {
    axis: int(-1),
    epsilon: float(1e-5),
  });
}

/** [B, S, heads·hd] → [B, heads, S, hd]. */
export function splitHeads(g: GraphBuilder, x: string, heads: number, headDim: number): string {
  return g.op('Transpose', [g.op('Reshape', [x, g.i64([0, 0, heads, headDim])])], { perm: ints([0, 2, 1, 3]) });
}

/** [B, heads, S, hd] → [B, S, heads·hd]. */
export function mergeHeads(g: GraphBuilder, x: string, heads: number, headDim: number): string {
  return g.op('Reshape', [g.op('Transpose', [x], { perm: ints([0, 2, 1, 3]) }), g.i64([0, 0, heads * headDim])]);
}

/**
 * Scaled dot-product attention probabilities softmax(q·kᵀ/√hd + mask) over the last axis, with
 * q [B, H, S, hd] and k [B, H, T, hd]; `mask` (additive, broadcastable to [B, H, S, T]) optional.
 */
export function attentionProbs(g: GraphBuilder, q: string, k: string, headDim: number, mask?: string): string {
  const kt = g.op('Transpose', [k], { perm: ints([0, 1, 3, 2]) });
  let s = g.op('Mul', [g.op('MatMul', [q, kt]), g.scalar(1 / Math.sqrt(headDim))]);
  if (mask) s = g.op('Add', [s, mask]);
  return g.op('Softmax', [s], { axis: int(-1) });
}

/** GELU, exact (erf) form. */
export function gelu(g: GraphBuilder, x: string): string {
  const e = g.op('Erf', [g.op('Mul', [x, g.scalar(Math.SQRT1_2)])]);
  return g.op('Mul', [g.op('Mul', [x, g.scalar(0.5)]), g.op('Add', [e, g.scalar(1)])]);
}

/** CLIP's quick GELU, x·σ(1.702x). */
export function quickGelu(g: GraphBuilder, x: string): string {
  return g.op('Mul', [x, g.op('Sigmoid', [g.op('Mul', [x, g.scalar(1.702)])])]);
}

/** SiLU, x·σ(x). */
export function silu(g: GraphBuilder, x: string): string {
  return g.op('Mul', [x, g.op('Sigmoid', [x])]);
}
