import { describe, expect, it } from 'vitest';
import { kvBytesPerToken, kvBytesSaved, layerMacs, prefillCost, visionMacs, type LlmDims } from '../src/index.js';

// Model dimensions copied from docs/models.md §1.5 / §3.1 (independent of the adapter packages).
const LLAVA7: LlmDims = {
  layers: 32,
  hidden: 4096,
  heads: 32,
  kvHeads: 32,
  headDim: 128,
  intermediate: 11008,
  ffnMatrices: 3,
  vocab: 32000,
  ropeBase: 10000,
  ropeType: 'rope',
  maxPositions: 4096,
};
const LLAVA13: LlmDims = { ...LLAVA7, layers: 40, hidden: 5120, heads: 40, kvHeads: 40, intermediate: 13824 };
const INTERNLM: LlmDims = { ...LLAVA7, intermediate: 14336, kvHeads: 8, vocab: 92544, ropeBase: 1e6, maxPositions: 32768 };

/** Reduction in percent, rounded to one decimal as the spec's tables print it. */
const pct = (r: number) => Math.round(r * 1000) / 10;

describe('FastV formula (docs/cost-model.md §2 worked example)', () => {
  it('per-layer MACs of 651 and 139 tokens', () => {
    expect(layerMacs(LLAVA7, 651) / 1e9).toBeCloseTo(105.86, 1);
    expect(layerMacs(LLAVA7, 139) / 1e9).toBeCloseTo(22.02, 1);
  });
  it('LLaVA-1.5-7B 576 → 64 at K=2 with 75 non-visual tokens: 74.2%', () => {
    const c = prefillCost(LLAVA7, { visual: 576, keep: 64, text: 75, layer: 2 });
    expect(c.full.tokens).toBe(651);
    expect(c.pruned.tokens).toBe(139);
    expect(c.full.macs / 1e12).toBeCloseTo(3.387, 2);
    expect(c.pruned.macs / 1e12).toBeCloseTo(0.872, 2);
    expect(pct(c.reduction)).toBe(74.2);
  });
  it('reproduces the §5.2 table and reading (b): K=0, keep 128, 33 non-visual', () => {
    const r = (keep: number, text: number, layer: number) => pct(prefillCost(LLAVA7, { visual: 576, keep, text, layer }).reduction);
    expect([r(128, 61, 0), r(128, 61, 2)]).toEqual([71.0, 66.6]);
    expect([r(192, 101, 0), r(192, 101, 2)]).toEqual([57.6, 54.0]);
    expect([r(64, 61, 0), r(64, 61, 2)]).toEqual([80.9, 75.8]);
    const b = prefillCost(LLAVA7, { visual: 576, keep: 128, text: 33, layer: 0 }).reduction;
    expect(Math.abs(b - 0.742)).toBeLessThan(0.0005);
  });
  it('LLaVA-1.5-13B keep 64 (q = 40): 79.1% / 75.1%', () => {
    const r = (layer: number) => pct(prefillCost(LLAVA13, { visual: 576, keep: 64, text: 75, layer }).reduction);
    expect([r(0), r(2)]).toEqual([79.1, 75.1]);
  });
  it("FastV README sanity check: K=3, R=50%, visual tokens only → 54.0% of the FLOPs", () => {
    const c = prefillCost(LLAVA7, { visual: 576, keep: 288, text: 0, layer: 3 });
    expect(pct(1 - c.reduction)).toBe(54.0);
  });
  it('LLaVA-NeXT N = 2880 (§5.4)', () => {
    const r = (keep: number, layer: number) => pct(prefillCost(LLAVA7, { visual: 2880, keep, text: 75, layer }).reduction);
    expect([r(640, 0), r(320, 0), r(160, 0)]).toEqual([78.3, 88.2, 93.0]);
    expect([r(640, 2), r(320, 2), r(160, 2)]).toEqual([73.4, 82.7, 87.2]);
  });
});

describe('InternVL-2.5-8B at 90% (docs/cost-model.md §3)', () => {
  const q = { visual: 1792, keep: 179, text: 70 };
  it('FastV formula: 87.5% (K=0) / 82.0% (K=2)', () => {
    expect(pct(prefillCost(INTERNLM, { ...q, layer: 0 }).reduction)).toBe(87.5);
    expect(pct(prefillCost(INTERNLM, { ...q, layer: 2 }).reduction)).toBe(82.0);
  });
  it('GQA + SwiGLU: 87.4% / 81.9%, full prefill 13.90 TMAC', () => {
    const k0 = prefillCost(INTERNLM, { ...q, layer: 0, formula: 'exact' });
    expect(pct(k0.reduction)).toBe(87.4);
    expect(pct(prefillCost(INTERNLM, { ...q, layer: 2, formula: 'exact' }).reduction)).toBe(81.9);
    expect(k0.full.macs / 1e12).toBeCloseTo(13.9, 2);
  });
  it('other rows of the table', () => {
    const r = (visual: number, keep: number, layer: number, formula: 'fastv' | 'exact') =>
      pct(prefillCost(INTERNLM, { visual, keep, text: 70, layer, formula }).reduction);
    expect([r(256, 26, 0, 'fastv'), r(256, 26, 2, 'fastv')]).toEqual([70.8, 66.4]);
    expect([r(3328, 333, 0, 'fastv'), r(3328, 333, 2, 'exact')]).toEqual([89.5, 83.7]);
  });
});

describe('exact variant and other costs', () => {
  it('"3.82 TFLOPs": 576 visual tokens only, 3-matrix FFN', () => {
    const c = prefillCost(LLAVA7, { visual: 576, keep: 576, text: 0, layer: 0, formula: 'exact' });
    expect(c.full.macs / 1e12).toBeCloseTo(3.817, 3);
    expect(c.reduction).toBe(0);
  });
  it('exact equals FastV plus one FFN matrix when MHA', () => {
    const n = 100;
    expect(layerMacs(LLAVA7, n, 'exact') - layerMacs(LLAVA7, n, 'fastv')).toBe(n * 4096 * 11008);
  });
  it('vision encoder: CLIP-L/14-336 ≈ 191 GMAC per crop, InternViT-300M ≈ 361 GMAC per tile', () => {
    const vit = { layers: 24, hidden: 1024, intermediate: 4096 };
    expect(Math.round(visionMacs(vit, [577]) / 1e9)).toBe(191);
    expect(Math.round(visionMacs(vit, [1025]) / 1e9)).toBe(361);
    expect(visionMacs(vit, [577, 577, 577])).toBeCloseTo(3 * visionMacs(vit, [577]), 0);
  });
  it('KV bytes: 512 KiB per token for LLaVA-7B, 128 KiB for InternLM2.5-7B', () => {
    expect(kvBytesPerToken(LLAVA7)).toBe(512 * 1024);
    expect(kvBytesPerToken(INTERNLM)).toBe(128 * 1024);
    expect(kvBytesSaved(LLAVA7, { visual: 576, keep: 64, layer: 0 })).toBe(512 * 512 * 1024);
    expect(kvBytesSaved(LLAVA7, { visual: 576, keep: 64, layer: 8 })).toBe((512 * 512 * 1024 * 24) / 32);
  });
  it('invalid queries name the field', () => {
    expect(() => prefillCost(LLAVA7, { visual: 10, keep: 11, text: 0, layer: 0 })).toThrow(expect.objectContaining({ field: 'keep' }));
    expect(() => prefillCost(LLAVA7, { visual: 10, keep: 1, text: 0, layer: 33 })).toThrow(expect.objectContaining({ field: 'layer' }));
    expect(() => prefillCost(LLAVA7, { visual: 10, keep: 1, text: -1, layer: 0 })).toThrow(expect.objectContaining({ field: 'text' }));
    expect(() => prefillCost(LLAVA7, { visual: 10, keep: 1.5, text: 0, layer: 0 })).toThrow(expect.objectContaining({ field: 'keep' }));
  });
});
