/** Input / output names of a split decoder pair (the tiny-model generator uses the same). */
export const SPLIT_NAMES = {
  /** Part A output and part B input: the residual stream after layer K−1 [B, S, d]. */
  hidden: 'hidden_states',
  /** Part A output: layer K−1's query after RoPE, as its scores MatMul reads it [B, heads, S, hd]. */
  query: 'attention_query',
  /** Part A output: layer K−1's attention probabilities of the last query row, mean over heads [B, T]. */
  lastAttention: 'last_token_attention',
} as const;

/** The `split.json` of a split pair directory. */
export interface SplitConfig {
  /** Always `d2pruner-split-decoder`. */
  format: 'd2pruner-split-decoder';
  /** Format version (1). */
  version: number;
  /** K: part A holds layers 0…K−1, part B layers K…L−1. */
  layer: number;
  /** L. */
  layers: number;
  /** Hidden size d. */
  hidden?: number;
  /** Attention heads. */
  heads?: number;
  /** Key/value heads. */
  kvHeads?: number;
  /** Head size. */
  headDim?: number;
  /** The merged decoder the pair was cut from (relative to the model directory). */
  source: string;
  /** Part A file (relative to the split directory). */
  partA: string;
  /** Part B file. */
  partB: string;
  /** `probabilities`: part A outputs `last_token_attention` (and `attention_query`). */
  attention: 'probabilities';
}

/** `past_key_values.{l}.{key|value}` → `[l, kind]`, else null. */
export function pastOf(name: string): [number, string] | null {
  const m = /^past_key_values\.(\d+)\.(key|value)$/.exec(name);
  return m ? [Number(m[1]), m[2]] : null;
}

/** `present.{l}.{key|value}` → `[l, kind]`, else null. */
export function presentOf(name: string): [number, string] | null {
  const m = /^present\.(\d+)\.(key|value)$/.exec(name);
  return m ? [Number(m[1]), m[2]] : null;
}
