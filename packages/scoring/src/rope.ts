import { InvalidInputError, assertInteger, assertNumber } from '@d2pruner/core';

/** RoPE geometry for the content-free attention prior (docs/algorithm.md §6, strategy `rope`). */
export interface RopeOptions {
  /** Head dimension d (even). LLaMA-7B: 128. */
  headDim: number;
  /** RoPE base. LLaMA: 10000; Qwen2 / InternLM2.5: 1e6. */
  base: number;
  /** Sequence position of the query (the last prompt token). */
  queryPosition: number;
  /** Sequence position of visual token 0; token i sits at `visualStart + i` unless `positions` is given. */
  visualStart?: number;
  /** Explicit sequence positions of the N visual tokens (from the adapter). */
  positions?: Int32Array;
}

/**
 * Most cosines {@link ropePrior} computes: (queryPosition + 1) key positions × headDim / 2
 * frequencies (2²⁸, about two seconds). A LLaMA head (d 128) reaches it at a query position of
 * about 4.2 million; past it the prior is refused before anything is allocated.
 */
export const ROPE_MAX_COSINES = 2 ** 28;

/**
 * The content-free RoPE attention p [N]: softmax over all key positions 0..queryPosition of
 * (2/√d)·Σ_f cos(Δ·θ_f), Δ = query − key, θ_f = base^(−2f/d), then the visual slice.
 * INVALID_INPUT naming `rope.queryPosition` when that costs over {@link ROPE_MAX_COSINES}.
 * Checked before anything is allocated: `n` an integer ≥ 0 (field `n`), `base` a finite number
 * > 0 (`rope.base`), `visualStart` an integer ≥ 0 with visualStart + n − 1 ≤ queryPosition, or
 * `positions` n integers in [0, queryPosition] (`rope.visualStart` / `rope.positions`).
 */
export function ropePrior(options: RopeOptions, n: number): Float64Array {
  const { headDim: d, base, queryPosition: q } = options;
  assertInteger('rope.headDim', d, 2);
  if (d % 2) throw new InvalidInputError('rope.headDim', 'rope.headDim must be even');
  assertNumber('rope.base', base);
  if (base <= 0) throw new InvalidInputError('rope.base', `rope.base must be > 0, got ${base}`);
  assertInteger('rope.queryPosition', q);
  assertInteger('n', n);
  const cosines = (q + 1) * (d / 2);
  if (cosines > ROPE_MAX_COSINES) {
    throw new InvalidInputError('rope.queryPosition', `the rope prior over key positions 0..${q} at head dimension ${d} costs ${cosines} cosines; at most ${ROPE_MAX_COSINES} (lower queryPosition, visualStart or the head dimension)`);
  }
  const given = options.positions as ArrayLike<number> | undefined;
  if (given === undefined) {
    const start = options.visualStart ?? 0;
    assertInteger('rope.visualStart', start);
    if (n > 0 && start + n - 1 > q) throw new InvalidInputError('rope.positions', `visual position ${Math.max(start, q + 1)} is outside the keys 0..${q}`);
  } else {
    if (typeof given !== 'object' || given === null || given.length !== n) {
      throw new InvalidInputError('rope.positions', `rope.positions has ${String(given?.length)} entries, expected ${n}`);
    }
    for (let i = 0; i < n; i++) {
      const k = given[i];
      if (!Number.isInteger(k)) throw new InvalidInputError('rope.positions', `rope.positions[${i}] is ${String(k)}; positions are integers`);
      if (k < 0 || k > q) throw new InvalidInputError('rope.positions', `visual position ${k} is outside the keys 0..${q}`);
    }
  }
  const positions = given ?? Int32Array.from({ length: n }, (_, i) => (options.visualStart ?? 0) + i);
  const half = d / 2;
  const theta = Float64Array.from({ length: half }, (_, f) => Math.pow(base, (-2 * f) / d));
  const scale = 2 / Math.sqrt(d);
  const logit = (delta: number) => {
    let s = 0;
    for (let f = 0; f < half; f++) s += Math.cos(delta * theta[f]);
    return scale * s;
  };
  const logits = Float64Array.from({ length: q + 1 }, (_, k) => logit(q - k));
  let max = -Infinity;
  for (const l of logits) max = Math.max(max, l);
  let z = 0;
  for (const l of logits) z += Math.exp(l - max);
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    out[i] = Math.exp(logits[positions[i]] - max) / z;
  }
  return out;
}
