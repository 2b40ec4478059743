import { FLOPS_FORMULAS, InvalidInputError, assertInteger, layerMacs, type FlopsFormula, type LlmDims } from '@d2pruner/core';

/** Prefill cost of one part of the decoder. */
export interface PartCost {
  /** Layers [first, last + 1). */
  layers: [number, number];
  /** Tokens those layers prefill. */
  tokens: number;
  /** Multiply-accumulates. */
  macs: number;
}

/** Prefill MACs by part: layers 0…K−1 on every token, K…L−1 on the kept ones (docs/cost-model.md §1). */
export interface PrefillMacs {
  /** Pruning layer K (0: before the LLM). */
  layer: number;
  /** Per-layer formula of the adapters' cost model. */
  formula: FlopsFormula;
  /** Layers 0…K−1 (empty when K = 0). */
  partA: PartCost;
  /** Layers K…L−1. */
  partB: PartCost;
  /** partA + partB. */
  pruned: number;
  /** L·F(n): every layer on every token. */
  full: number;
  /** full / pruned (≥ 1 when tokens were dropped). */
  ratio: number;
}

/**
 * The LLM's dimensions from a transformers.js `config.json` (`text_config` of LLaVA-family
 * models, else the top level), or undefined when a field the cost model needs is missing. A
 * config that is not an object, or a size that is present but not a positive integer
 * (`rope_theta`: a positive number), is INVALID_INPUT naming `config` / `config.<key>`.
 */
export function llmDimsOfConfig(config: Record<string, unknown>): LlmDims | undefined {
  if (typeof config !== 'object' || config === null || Array.isArray(config)) throw new InvalidInputError('config', `a model config is a JSON object, got ${config === null ? 'null' : Array.isArray(config) ? 'an array' : typeof config}`);
  const t = (typeof config.text_config === 'object' && config.text_config !== null ? config.text_config : config) as Record<string, unknown>;
  // a size present in the config must be a positive integer (rope_theta: a positive number)
  const num = (k: string) => {
    const v = t[k];
    if (v === undefined || v === null) return undefined;
    const ok = k === 'rope_theta' ? typeof v === 'number' && Number.isFinite(v) && v > 0 : Number.isSafeInteger(v) && (v as number) > 0;
    if (!ok) throw new InvalidInputError(`config.${k}`, `config.${k} must be a ${k === 'rope_theta' ? 'positive number' : 'positive integer'}, got ${JSON.stringify(v)}`);
    return v as number;
  };
  const hidden = num('hidden_size');
  const layers = num('num_hidden_layers');
  const heads = num('num_attention_heads');
  const intermediate = num('intermediate_size');
  if (!hidden || !layers || !heads || !intermediate) return undefined;
  return {
    layers,
    hidden,
    heads,
    kvHeads: num('num_key_value_heads') ?? heads,
    headDim: num('head_dim') ?? hidden / heads,
    intermediate,
    ffnMatrices: 3,
    vocab: num('vocab_size') ?? 0,
    ropeBase: num('rope_theta') ?? 10000,
    ropeType: 'rope',
    maxPositions: num('max_position_embeddings') ?? 0,
  };
}

/**
 * Prefill MACs of a run pruned at layer K from n to n̂ tokens, by part, with the adapters'
 * per-layer formula (`exact`: GQA projections + 3-matrix SwiGLU): part A = K·F(n),
 * part B = (L−K)·F(n̂). Checked first (INVALID_INPUT naming the field): `layer` an integer in
 * [0, L], `tokens` and `kept` integers ≥ 0 with kept ≤ tokens, `formula` a known formula.
 */
export function prefillMacsByPart(dims: LlmDims, layer: number, tokens: number, kept: number, formula: FlopsFormula = 'exact'): PrefillMacs {
  assertInteger('layer', layer);
  if (layer > dims.layers) throw new InvalidInputError('layer', `layer must be in [0, ${dims.layers}], got ${layer}`);
  assertInteger('tokens', tokens);
  assertInteger('kept', kept);
  if (kept > tokens) throw new InvalidInputError('kept', `kept (${kept}) exceeds the tokens before pruning (${tokens})`);
  if (!FLOPS_FORMULAS.includes(formula)) throw new InvalidInputError('formula', `formula must be one of ${FLOPS_FORMULAS.join(', ')}, got ${String(formula)}`);
  const fn = layerMacs(dims, tokens, formula);
  const partA: PartCost = { layers: [0, layer], tokens, macs: layer * fn };
  const partB: PartCost = { layers: [layer, dims.layers], tokens: kept, macs: (dims.layers - layer) * layerMacs(dims, kept, formula) };
  const pruned = partA.macs + partB.macs;
  const full = dims.layers * fn;
  return { layer, formula, partA, partB, pruned, full, ratio: pruned > 0 ? full / pruned : 1 };
}
