import { attentionProbs, linear, mergeHeads, rmsNorm, silu, splitHeads, type WeightSource } from './layers.js';
import { ElemType, GraphBuilder, int, ints } from './onnx.js';
import type { TinyModelConfig } from './options.js';
import { Rng } from './rng.js';
import type { TokenizerInfo } from './tokenizer.js';

/** RMSNorm ε of the generated LLM. */
export const RMS_EPS = 1e-6;

/** Output / input names of a split decoder pair (see {@link buildDecoderPart}). */
export const SPLIT_NAMES = {
  /** Part A output and part B input: the residual stream after layer K−1 [B, S, d]. */
  hidden: 'hidden_states',
  /** Part A output: layer K−1's query (after RoPE) [B, heads, S, hd]. */
  query: 'attention_query',
  /** Part A output: layer K−1's attention of the last query row, mean over heads [B, T]. */
  lastAttention: 'last_token_attention',
} as const;

/** Which part of the decoder a graph holds: every layer, or one side of a cut before layer K. */
export type DecoderPart = { kind: 'merged' } | { kind: 'a' | 'b'; layer: number };

/**
 * `onnx/decoder_model_merged.onnx`: a LLaMA-style decoder with a KV cache, in the input/output
 * naming transformers.js expects: inputs `inputs_embeds` [B, S, d], `attention_mask` [B, T],
 * `position_ids` [B, S], `past_key_values.{l}.key|value` [B, heads, P, hd]; outputs `logits`
 * [B, S, V] and `present.{l}.key|value` [B, heads, T, hd] (T = P + S). An empty cache (P = 0)
 * serves the prefill, so no `use_cache_branch` is needed.
 *
 * Each layer: RMSNorm → q/k/v → RoPE (rotate-half, θ = `ropeTheta`) → append to the cache →
 * causal + padding-masked softmax attention → o_proj → residual; RMSNorm → SwiGLU → residual.
 * Nodes are named optimum-style (`/model/layers.{l}/…`, `/model/norm/…`, `/lm_head/…`).
 * The LM head's columns of special and non-printable tokens are zero (`tokenizer.silent`), so
 * greedy decoding of random weights yields printable text instead of EOS at once.
 */
export function buildDecoder(c: TinyModelConfig, tok: TokenizerInfo): Uint8Array {
  return buildDecoderPart(c, tok, { kind: 'merged' });
}

/**
 * One graph of the decoder: the merged decoder, or one part of the split pair for layer K
 * (1 ≤ K < L), with the same weights as the merged decoder.
 * - Part A (layers 0…K−1): the merged decoder's inputs with `past_key_values.{l}` for l < K;
 *   outputs `hidden_states` (the residual stream after layer K−1), `present.{l}.*` for l < K,
 *   `attention_query` (layer K−1's query after RoPE) and `last_token_attention` (layer K−1's
 *   softmax row of the last query, mean over heads).
 * - Part B (layers K…L−1): inputs `hidden_states`, `attention_mask` and `position_ids` over its
 *   own (possibly pruned) sequence and cache, `past_key_values.{l}` for l ≥ K; outputs `logits`
 *   and `present.{l}.*` for l ≥ K. Its mask covers only the tokens part B has seen.
 */
export function buildDecoderPart(c: TinyModelConfig, tok: TokenizerInfo, part: DecoderPart): Uint8Array {
  const from = part.kind === 'b' ? part.layer : 0;
  const to = part.kind === 'a' ? part.layer : c.layers;
  const g = new GraphBuilder(part.kind === 'merged' ? 'decoder_model_merged' : `decoder_part_${part.kind}_k${part.layer}`);
  const src: WeightSource = { seed: c.seed, prefix: 'decoder' };
  const d = c.hidden;
  const H = c.heads;
  const hd = d / H;
  const V = tok.vocabSize;
  g.scope = '/model';
  let x = g.input(part.kind === 'b' ? SPLIT_NAMES.hidden : 'inputs_embeds', ElemType.FLOAT, ['batch_size', 'sequence_length', d]);
  const mask = g.input('attention_mask', ElemType.INT64, ['batch_size', 'total_sequence_length']);
  const pos = g.input('position_ids', ElemType.INT64, ['batch_size', 'sequence_length']);
  const past: Record<number, [string, string]> = {};
  for (let l = from; l < to; l++) {
    past[l] = [
      g.input(`past_key_values.${l}.key`, ElemType.FLOAT, ['batch_size', H, 'past_sequence_length', hd]),
      g.input(`past_key_values.${l}.value`, ElemType.FLOAT, ['batch_size', H, 'past_sequence_length', hd]),
    ];
  }

  // RoPE tables from position_ids: cos/sin of pos·θ^(−2i/hd), duplicated halves, [B, 1, S, hd].
  const invFreq = Float32Array.from({ length: hd / 2 }, (_, i) => 1 / Math.pow(c.ropeTheta, (2 * i) / hd));
  const freqs = g.op('Mul', [g.op('Unsqueeze', [g.op('Cast', [pos], { to: int(ElemType.FLOAT) }), g.i64([-1])]), g.floats('decoder.rotary.inv_freq', [hd / 2], invFreq)]);
  const emb = g.op('Unsqueeze', [g.op('Concat', [freqs, freqs], { axis: int(-1) }), g.i64([1])]);
  const cos = g.op('Cos', [emb]);
  const sin = g.op('Sin', [emb]);
  const rope = (t: string) => {
    const t1 = g.op('Slice', [t, g.i64([0]), g.i64([hd / 2]), g.i64([3])]);
    const t2 = g.op('Slice', [t, g.i64([hd / 2]), g.i64([hd]), g.i64([3])]);
    const rotated = g.op('Concat', [g.op('Neg', [t2]), t1], { axis: int(3) });
    return g.op('Add', [g.op('Mul', [t, cos]), g.op('Mul', [rotated, sin])]);
  };

  // Additive mask [B, 1, S, T]: key j visible to query i iff j ≤ P + i and attention_mask[j] = 1.
  const S = g.op('Shape', [x], { start: int(1), end: int(2) });
  const P = g.op('Shape', [past[from][0]], { start: int(2), end: int(3) });
  const T = g.op('Add', [S, P]);
  const scalar = (t: string) => g.op('Squeeze', [t, g.i64([0])]);
  const zero = g.i64([0], []);
  const one = g.i64([1], []);
  const kIdx = g.op('Range', [zero, scalar(T), one]);
  const qIdx = g.op('Range', [scalar(P), scalar(T), one]);
  const causal = g.op('LessOrEqual', [g.op('Unsqueeze', [kIdx, g.i64([0])]), g.op('Unsqueeze', [qIdx, g.i64([1])])]);
  const padding = g.op('Unsqueeze', [g.op('Cast', [mask], { to: int(ElemType.BOOL) }), g.i64([1, 2])]);
  const additive = g.op('Where', [g.op('And', [causal, padding]), g.scalar(0), g.scalar(-1e9)]);

  let query = '';
  let probs = '';
  for (let l = from; l < to; l++) {
    const p = `layers.${l}`;
    g.scope = `/model/layers.${l}`;
    const h = rmsNorm(g, src, `${p}.input_layernorm`, x, d, RMS_EPS);
    const q = rope(splitHeads(g, linear(g, src, `${p}.self_attn.q_proj`, h, d, d), H, hd));
    const kNew = rope(splitHeads(g, linear(g, src, `${p}.self_attn.k_proj`, h, d, d), H, hd));
    const vNew = splitHeads(g, linear(g, src, `${p}.self_attn.v_proj`, h, d, d), H, hd);
    const k = `present.${l}.key`;
    const v = `present.${l}.value`;
    g.opTo('Concat', [past[l][0], kNew], [k], { axis: int(2) });
    g.opTo('Concat', [past[l][1], vNew], [v], { axis: int(2) });
    query = q;
    probs = attentionProbs(g, q, k, hd, additive);
    const o = mergeHeads(g, g.op('MatMul', [probs, v]), H, hd);
    x = g.op('Add', [x, linear(g, src, `${p}.self_attn.o_proj`, o, d, d)]);
    const h2 = rmsNorm(g, src, `${p}.post_attention_layernorm`, x, d, RMS_EPS);
    const act = g.op('Mul', [silu(g, linear(g, src, `${p}.mlp.gate_proj`, h2, d, c.intermediate)), linear(g, src, `${p}.mlp.up_proj`, h2, d, c.intermediate)]);
    x = g.op('Add', [x, linear(g, src, `${p}.mlp.down_proj`, act, c.intermediate, d)]);
  }

  if (part.kind === 'a') {
    g.scope = '/split';
    exposeSplitOutputs(g, { hidden: x, query, probs }, H, hd, d);
  } else {
    g.scope = '/model/norm';
    const normed = rmsNorm(g, src, 'norm', x, d, RMS_EPS);
    g.scope = '/lm_head';
    const head = lmHeadValues(c.seed, d, V);
    for (const id of tok.silent) for (let r = 0; r < d; r++) head[r * V + id] = 0;
    const logits = g.op('MatMul', [normed, g.floats('decoder.lm_head.weight', [d, V], head)]);
    g.alias(logits, 'logits');
    g.output('logits', ElemType.FLOAT, ['batch_size', 'sequence_length', V]);
  }
  for (let l = from; l < to; l++) {
    g.output(`present.${l}.key`, ElemType.FLOAT, ['batch_size', H, 'total_sequence_length', hd]);
    g.output(`present.${l}.value`, ElemType.FLOAT, ['batch_size', H, 'total_sequence_length', hd]);
  }
  return g.encode();
}

/**
 * Adds part A's extra outputs to a graph:
 * `hidden_states` = `hidden`, `attention_query` = `query`, and `last_token_attention` [B, T] =
 * the last query row of the softmax probabilities `probs` [B, heads, S, T], mean over heads.
 */
function exposeSplitOutputs(g: GraphBuilder, values: { hidden: string; query: string; probs: string }, heads: number, headDim: number, hidden: number): void {
  g.alias(values.hidden, SPLIT_NAMES.hidden);
  g.alias(values.query, SPLIT_NAMES.query);
  const row = g.op('Slice', [values.probs, g.i64([-1]), g.i64([2 ** 62]), g.i64([2])]);
  const mean = g.op('ReduceMean', [row], { axes: ints([1, 2]), keepdims: int(0) });
  g.alias(mean, SPLIT_NAMES.lastAttention);
  g.output(SPLIT_NAMES.hidden, ElemType.FLOAT, ['batch_size', 'sequence_length', hidden]);
  g.output(SPLIT_NAMES.query, ElemType.FLOAT, ['batch_size', heads, 'sequence_length', headDim]);
  g.output(SPLIT_NAMES.lastAttention, ElemType.FLOAT, ['batch_size', 'total_sequence_length']);
}

/** The LM head's random values [d, V] before silencing (std 1/√d · 4, so greedy picks vary). */
export function lmHeadValues(seed: number, d: number, V: number): Float32Array {
  return Rng.forTensor(seed, 'decoder.lm_head.weight').uniform(d * V, 4 / Math.sqrt(d));
}
