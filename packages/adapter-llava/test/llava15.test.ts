import { adapterRegistry, flopsJson, getAdapter, layoutReportJson } from '@d2pruner/core';
import { describe, expect, it } from 'vitest';
import { LLAVA_ADAPTERS, llava15_13b, llava15_7b, registerLlavaAdapters } from '../src/index.js';

const box = (l: { box: Float64Array }, t: number) => Array.from(l.box.subarray(4 * t, 4 * t + 4));

describe('LLaVA-1.5 layout (docs/models.md §1.3)', () => {
  it('576 tokens on one 24×24 frame, token k at (k div 24, k mod 24)', () => {
    const l = llava15_7b.layout({ width: 640, height: 480 });
    expect([l.tokens, l.candidates.length]).toEqual([576, 576]);
    expect(l.layout.frames).toEqual([{ rows: 24, cols: 24 }]);
    for (const k of [0, 23, 24, 300, 575]) {
      expect([l.layout.frame[k], l.layout.row[k], l.layout.col[k]]).toEqual([0, Math.floor(k / 24), k % 24]);
    }
  });
  it('pad (default): 640×480 → offset (0, 80), cell 26.67 px, rows 0–2 and 21–23 pure padding', () => {
    const l = llava15_7b.layout({ width: 640, height: 480 });
    expect(l.details).toMatchObject({ canvas: 640, offsetX: 0, offsetY: 80, paddingTokens: 144 });
    for (let k = 0; k < 576; k++) {
      const r = Math.floor(k / 24);
      expect(l.padding[k]).toBe(r <= 2 || r >= 21 ? 1 : 0);
    }
    // (3, 0): canvas y [80, 106.67) → image y [0, 26.67)
    const b = box(l, 3 * 24);
    expect(b[0]).toBe(0);
    expect(b[1]).toBeCloseTo(0, 9);
    expect(b[2]).toBeCloseTo(640 / 24, 9);
    expect(b[3]).toBeCloseTo(640 / 24, 9);
    // (10, 5): canvas [133.33, 160) × [266.67, 293.33) → image y − 80
    const c = box(l, 10 * 24 + 5);
    expect(c[0]).toBeCloseTo(133.333, 3);
    expect(c[1]).toBeCloseTo(186.667, 3);
    expect(c[2]).toBeCloseTo(160, 9);
    expect(c[3]).toBeCloseTo(213.333, 3);
    // last content row ends at the image bottom
    expect(box(l, 20 * 24)[3]).toBeCloseTo(480, 9);
  });
  it('pad: portrait images pad columns instead', () => {
    const l = llava15_7b.layout({ width: 480, height: 640 });
    expect(l.details).toMatchObject({ offsetX: 80, offsetY: 0 });
    expect(l.padding[0]).toBe(1);
    expect(l.padding[3]).toBe(0);
    expect(l.padding[21]).toBe(1);
    expect(box(l, 3)[0]).toBeCloseTo(0, 9);
  });
  it('crop: 640×480 → resized 448×336, crop left 56; border content dropped, nothing flagged', () => {
    const l = llava15_7b.layout({ width: 640, height: 480 }, { preprocess: 'crop' });
    expect(l.details).toMatchObject({ resizedWidth: 448, resizedHeight: 336, cropLeft: 56, cropTop: 0 });
    expect(l.padding.every((p) => p === 0)).toBe(true);
    const b = box(l, 0); // resized [56, 70) × [0, 14) → ×(640/448), ×(480/336)
    expect(b[0]).toBeCloseTo(80, 9);
    expect(b[1]).toBe(0);
    expect(b[2]).toBeCloseTo(100, 9);
    expect(b[3]).toBeCloseTo(20, 9);
    expect(box(l, 575)[2]).toBeCloseTo(560, 9);
  });
  it('a square image has no padding and 14-px cells at 336', () => {
    const l = llava15_13b.layout({ width: 336, height: 336 });
    expect(l.details.paddingTokens).toBe(0);
    expect(box(l, 25)).toEqual([14, 14, 28, 28]);
    expect(() => llava15_7b.layout({ width: 336, height: 336 }, { preprocess: 'stretch' })).toThrow(expect.objectContaining({ field: 'preprocess' }));
  });
});

describe('LLaVA-1.5 spans (docs/models.md §1.4)', () => {
  it('original repo: the −200 sentinel after a 35-token prefix → image tokens [35, 611)', () => {
    const ids = [1, ...new Array<number>(34).fill(500), -200, ...new Array<number>(26).fill(600)];
    expect(llava15_7b.visualSpans(ids)).toEqual([{ image: 0, start: 35, length: 576, inputIndex: 35 }]);
  });
  it('HF: 576 copies of image_token_index 32000 after 5 tokens → start 5', () => {
    const ids = [1, 3148, 1001, 29901, 29871, ...new Array<number>(576).fill(32000), 29871, 13];
    expect(llava15_7b.visualSpans(ids)).toEqual([{ image: 0, start: 5, length: 576, inputIndex: 5 }]);
  });
});

describe('LLaVA-1.5 cost and registration', () => {
  it('flops --json defaults: K = 2, 75 non-visual tokens, 576 → 64: 74.2% (docs/cost-model.md §2)', () => {
    const j = flopsJson(llava15_7b, { image: { width: 640, height: 480 }, keep: 64 });
    expect([j.model, j.visual, j.keep, j.layer, j.text]).toEqual(['llava-1.5-7b', 576, 64, 2, 75]);
    expect(Math.round(j.reduction * 1000) / 10).toBe(74.2);
    expect(j.full.macs / 1e12).toBeCloseTo(3.387, 2);
    const c = llava15_7b.cost({ image: { width: 640, height: 480 }, keep: 64 });
    expect(Math.round((c.visionMacs ?? 0) / 1e9)).toBe(191);
    expect(c.kvBytesSaved).toBe(512 * 1024 * 512 * (30 / 32));
  });
  it('13B: keep 64 at K = 0 / 2 → 79.1% / 75.1%', () => {
    const r = (layer: number) => Math.round(llava15_13b.cost({ visual: 576, keep: 64, layer }).reduction * 1000) / 10;
    expect([r(0), r(2)]).toEqual([79.1, 75.1]);
  });
  it('layout --json of 640×480', () => {
    const j = layoutReportJson(llava15_7b.layout({ width: 640, height: 480 }));
    expect([j.model, j.tokens, j.candidates, j.box.length]).toEqual(['llava-1.5-7b', 576, 576, 576]);
    expect(j.box[3 * 24]).toEqual([0, 0, 26.667, 26.667]);
  });
  it('nothing registered on import; registerLlavaAdapters is idempotent', () => {
    for (const a of LLAVA_ADAPTERS) expect(adapterRegistry.has(a.id)).toBe(false);
    registerLlavaAdapters();
    registerLlavaAdapters();
    expect(getAdapter('llava-1.5-7b')).toBe(llava15_7b);
    expect(getAdapter('liuhaotian/llava-v1.5-13b')).toBe(llava15_13b);
    expect(getAdapter('LLAVA-NEXT-7B').id).toBe('llava-next-7b');
    expect(() => getAdapter('llava-2')).toThrow(expect.objectContaining({ code: 'UNKNOWN_NAME' }));
    expect(llava15_7b.priorKey(2, llava15_7b.layout({ width: 640, height: 480 }).layout).key).toMatch(/^llava-1\.5-7b@L2#24x24:n576:[0-9a-f]{8}$/);
  });
});
