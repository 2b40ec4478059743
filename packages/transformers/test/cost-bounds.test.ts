import { prefillCost, type FlopsFormula } from '@d2pruner/core';
import { describe, expect, it } from 'vitest';
import { llmDimsOfConfig, prefillMacsByPart } from '../src/index.js';
import { caught } from './helpers.js';

// Vicuna-7B-like: 32 layers
const dims = llmDimsOfConfig({ hidden_size: 4096, num_hidden_layers: 32, num_attention_heads: 32, intermediate_size: 11008 })!;

describe('prefillMacsByPart: arguments are checked', () => {
  it('agrees with core prefillCost and keeps the layer bounds [0, L]', () => {
    // 576 visual + 75 text = 651 tokens, keep 64 → 139
    const a = prefillMacsByPart(dims, 2, 651, 139, 'fastv');
    const b = prefillCost(dims, { visual: 576, keep: 64, text: 75, layer: 2 });
    expect([a.pruned, a.full]).toEqual([b.pruned.macs, b.full.macs]);
    const atL = prefillMacsByPart(dims, 32, 651, 139);
    expect([atL.partB.macs, atL.pruned, atL.ratio]).toEqual([0, atL.full, 1]);
  });
  it('a layer outside [0, L] is INVALID_INPUT layer', async () => {
    for (const layer of [40, 33, -1, 1.5, NaN]) {
      expect(await caught(() => prefillMacsByPart(dims, layer, 651, 139)), String(layer)).toMatchObject({ code: 'INVALID_INPUT', field: 'layer' });
    }
  });
  it('token counts must be integers ≥ 0 with kept ≤ tokens', async () => {
    expect(await caught(() => prefillMacsByPart(dims, 2, -5, 3))).toMatchObject({ code: 'INVALID_INPUT', field: 'tokens' });
    expect(await caught(() => prefillMacsByPart(dims, 2, 10.5, 3))).toMatchObject({ field: 'tokens' });
    expect(await caught(() => prefillMacsByPart(dims, 2, 100, -1))).toMatchObject({ field: 'kept' });
    expect(await caught(() => prefillMacsByPart(dims, 2, 100, NaN))).toMatchObject({ field: 'kept' });
    expect(await caught(() => prefillMacsByPart(dims, 2, 100, 1000))).toMatchObject({ field: 'kept' });
    expect(await caught(() => prefillMacsByPart(dims, 2, 100, 10, 'bogus' as FlopsFormula))).toMatchObject({ field: 'formula' });
  });
});

describe('llmDimsOfConfig: a config is an object whose sizes are positive integers', () => {
  const base = { hidden_size: 64, num_hidden_layers: 2, num_attention_heads: 4, intermediate_size: 128 };

  it('reads a flat or a text_config config, and answers undefined when a size is missing', () => {
    expect(llmDimsOfConfig(base)).toMatchObject({ layers: 2, hidden: 64, heads: 4, kvHeads: 4, headDim: 16, intermediate: 128 });
    expect(llmDimsOfConfig({ text_config: { ...base, num_key_value_heads: 2 } })).toMatchObject({ kvHeads: 2 });
    expect(llmDimsOfConfig({ hidden_size: 64 })).toBeUndefined();
  });

  it('refuses a config that is not an object, and sizes that are not positive integers, naming them', async () => {
    for (const config of [null, 5, 'x', [1]]) expect(await caught(() => llmDimsOfConfig(config as never))).toMatchObject({ code: 'INVALID_INPUT', field: 'config' });
    for (const [key, value] of [['num_hidden_layers', 2.5], ['hidden_size', Infinity], ['num_attention_heads', -4], ['intermediate_size', '128'], ['rope_theta', 0]] as const) {
      expect(await caught(() => llmDimsOfConfig({ ...base, [key]: value })), key).toMatchObject({ code: 'INVALID_INPUT', field: `config.${key}` });
    }
  });
});
