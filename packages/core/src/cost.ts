import { InvalidInputError } from './errors.js';
import { assertInteger } from './validate.js';

/**
 * Which per-layer cost formula to use (docs/cost-model.md §1).
 * - `fastv`: `4·n·d² + 2·n²·d + 2·n·d·m`, the FastV paper's accounting most pruning papers cite.
 * - `exact`: grouped-query attention and a 3-matrix SwiGLU FFN,
 *   `2·n·d·(h·dh) + 2·n·d·(kv·dh) + 2·n²·(h·dh) + 3·n·d·m`, which equals
 *   `(2 + 2·kv/h)·n·d² + 2·n²·d + 3·n·d·m` whenever `h·dh = d` (true for every built-in model).
 */
export type FlopsFormula = 'fastv' | 'exact';

/** The formulas, in the order the CLI lists them. */
export const FLOPS_FORMULAS: readonly FlopsFormula[] = ['fastv', 'exact'];

/** Optional RoPE scaling of the LLM (e.g. InternLM2.5's dynamic NTK). */
export interface RopeScaling {
  /** Scaling kind as in the model config (`dynamic`, `linear`, …). */
  type: string;
  /** Scaling factor. */
  factor: number;
}

/** Dimensions of a decoder-only LLM (docs/models.md §7 item 3). */
export interface LlmDims {
  /** Decoder layers L. */
  layers: number;
  /** Hidden size d. */
  hidden: number;
  /** Attention (query) heads h. */
  heads: number;
  /** Key/value heads (= heads for MHA, fewer for GQA). */
  kvHeads: number;
  /** Head dimension dh. */
  headDim: number;
  /** FFN intermediate size m. */
  intermediate: number;
  /** Matrices in the FFN: 3 for SwiGLU (gate, up, down), 2 for a plain MLP. */
  ffnMatrices: 2 | 3;
  /** Vocabulary size. */
  vocab: number;
  /** RoPE base θ. */
  ropeBase: number;
  /** Position encoding: 1-D RoPE, or Qwen2-VL's multimodal 3-D RoPE. */
  ropeType: 'rope' | 'mrope';
  /** RoPE scaling, when the config has one. */
  ropeScaling?: RopeScaling;
  /** Maximum position embeddings. */
  maxPositions: number;
}

/** Dimensions of a ViT vision encoder, for its (optional) cost. */
export interface VisionDims {
  /** Encoder layers executed. */
  layers: number;
  /** Width. */
  hidden: number;
  /** MLP intermediate size. */
  intermediate: number;
}

/**
 * Multiply-accumulates of one decoder layer over `n` tokens (prefill, causal mask ignored as in
 * every paper's accounting).
 * @param dims the LLM
 * @param n sequence length
 * @param formula `fastv` (default) or `exact`
 */
export function layerMacs(dims: LlmDims, n: number, formula: FlopsFormula = 'fastv'): number {
  const d = dims.hidden;
  const m = dims.intermediate;
  if (formula === 'fastv') return 4 * n * d * d + 2 * n * n * d + 2 * n * d * m;
  const q = dims.heads * dims.headDim;
  const kv = dims.kvHeads * dims.headDim;
  return 2 * n * d * q + 2 * n * d * kv + 2 * n * n * q + dims.ffnMatrices * n * d * m;
}

/** What a prefill cost is computed for. */
export interface PrefillQuery {
  /** Visual tokens of the full sequence. */
  visual: number;
  /** Visual tokens kept after pruning (≤ visual). */
  keep: number;
  /** Non-visual (text, template, special) tokens, unchanged by pruning. */
  text: number;
  /** Pruning layer K ∈ [0, L]: layers < K see the full sequence; 0 = before the LLM. */
  layer: number;
  /** Per-layer formula; default `fastv`. */
  formula?: FlopsFormula;
}

/** Prefill cost before and after pruning. */
export interface PrefillCost {
  /** Tokens and MACs of the unpruned prefill (L·F(n)). */
  full: {
    /** Sequence length n. */
    tokens: number;
    /** Multiply-accumulates. */
    macs: number;
  };
  /** Tokens after pruning and MACs of the pruned prefill (K·F(n) + (L−K)·F(n̂)). */
  pruned: {
    /** Sequence length n̂ after pruning. */
    tokens: number;
    /** Multiply-accumulates. */
    macs: number;
  };
  /** 1 − pruned / full, as a fraction. */
  reduction: number;
  /** The formula used. */
  formula: FlopsFormula;
}

/** Most visual or text tokens a cost query may count (2^24): every cost stays a finite number. */
export const MAX_COST_TOKENS = 2 ** 24;

/** Validates a prefill query against the model, naming the offending field. */
export function checkPrefillQuery(dims: LlmDims, q: PrefillQuery): void {
  assertInteger('visual', q.visual);
  assertInteger('keep', q.keep);
  assertInteger('text', q.text);
  for (const field of ['visual', 'text'] as const) {
    if (q[field] > MAX_COST_TOKENS) throw new InvalidInputError(field, `${field} must be at most ${MAX_COST_TOKENS} tokens, got ${q[field]}`);
  }
  assertInteger('layer', q.layer);
  if (q.keep > q.visual) throw new InvalidInputError('keep', `keep (${q.keep}) exceeds the visual tokens (${q.visual})`);
  if (q.layer > dims.layers) throw new InvalidInputError('layer', `layer must be in [0, ${dims.layers}], got ${q.layer}`);
  if (q.formula !== undefined && !FLOPS_FORMULAS.includes(q.formula)) {
    throw new InvalidInputError('formula', `formula must be one of ${FLOPS_FORMULAS.join(', ')}, got ${String(q.formula)}`);
  }
}

/**
 * Prefill MACs with pruning at layer K from n = text + visual to n̂ = text + keep tokens
 * (docs/cost-model.md §1): full = L·F(n), pruned = K·F(n) + (L−K)·F(n̂).
 */
export function prefillCost(dims: LlmDims, q: PrefillQuery): PrefillCost {
  checkPrefillQuery(dims, q);
  const formula = q.formula ?? 'fastv';
  const n = q.text + q.visual;
  const nk = q.text + q.keep;
  const fn = layerMacs(dims, n, formula);
  const full = dims.layers * fn;
  const pruned = q.layer * fn + (dims.layers - q.layer) * layerMacs(dims, nk, formula);
  return { full: { tokens: n, macs: full }, pruned: { tokens: nk, macs: pruned }, reduction: full > 0 ? 1 - pruned / full : 0, formula };
}

/**
 * MACs of a ViT vision encoder (FastV-style 2-matrix MLP, docs/cost-model.md §1), summed over its
 * passes; `passes` holds each pass's sequence length (CLS included). Never reduced by
 * post-encoder pruning.
 */
export function visionMacs(dims: VisionDims, passes: readonly number[]): number {
  const d = dims.hidden;
  let total = 0;
  for (const n of passes) total += dims.layers * (4 * n * d * d + 2 * n * n * d + 2 * n * d * dims.intermediate);
  return total;
}

/** KV-cache bytes one token occupies across all layers (K and V; 2 bytes per value by default). */
export function kvBytesPerToken(dims: LlmDims, bytesPerValue = 2): number {
  return 2 * dims.kvHeads * dims.headDim * bytesPerValue * dims.layers;
}

/**
 * KV-cache bytes saved by pruning `visual − keep` tokens at layer K: only layers K..L−1 drop
 * them (docs/models.md §6.4).
 */
export function kvBytesSaved(dims: LlmDims, q: Pick<PrefillQuery, 'visual' | 'keep' | 'layer'>, bytesPerValue = 2): number {
  checkPrefillQuery(dims, { ...q, text: 0 });
  return (q.visual - q.keep) * 2 * dims.kvHeads * dims.headDim * bytesPerValue * (dims.layers - q.layer);
}
