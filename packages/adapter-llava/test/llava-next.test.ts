import { layoutReportJson } from '@d2pruner/core';
import { describe, expect, it } from 'vitest';
import { keptLlavaNextTokens, keptNewlines, llavaNext7b, parsePinpoints, selectBestResolution } from '../src/index.js';

const box = (l: { box: Float64Array }, t: number) => Array.from(l.box.subarray(4 * t, 4 * t + 4));

describe('anyres resolution selection (docs/models.md §2.2)', () => {
  const pins = parsePinpoints('336x672,672x336,672x672,1008x336,336x1008');
  it('picks max effective resolution, then least waste, then first', () => {
    expect(selectBestResolution({ width: 640, height: 480 }, pins)).toEqual({ width: 672, height: 672 });
    expect(selectBestResolution({ width: 800, height: 200 }, pins)).toEqual({ width: 1008, height: 336 });
    expect(selectBestResolution({ width: 200, height: 800 }, pins)).toEqual({ width: 336, height: 1008 });
    // exact tie between 336×672 and 672×336 → the first listed
    expect(selectBestResolution({ width: 336, height: 336 }, pins)).toEqual({ width: 336, height: 672 });
  });
  it('transformers reads the pairs as (height, width)', () => {
    expect(parsePinpoints('336x672', 'hw')).toEqual([{ width: 672, height: 336 }]);
    expect(selectBestResolution({ width: 336, height: 336 }, parsePinpoints('336x672,672x336', 'hw'))).toEqual({ width: 672, height: 336 });
    expect(() => parsePinpoints('336x', 'wh')).toThrow(expect.objectContaining({ field: 'pinpoints' }));
  });
});

describe('LLaVA-NeXT token counts (docs/models.md §2.4 table)', () => {
  const cases: [number, number, number, number, number, number, number][] = [
    // W, H, grid rows, grid cols, kept rows, kept cols, N
    [640, 480, 2, 2, 36, 48, 2340],
    [480, 640, 2, 2, 48, 36, 2352],
    [1024, 1024, 2, 2, 48, 48, 2928],
    [1280, 720, 2, 2, 28, 48, 1948],
    [800, 200, 1, 3, 18, 72, 1890],
    [336, 336, 2, 1, 24, 24, 1176],
  ];
  for (const [W, H, gr, gc, rk, ck, N] of cases) {
    it(`${W}×${H} → ${gr}×${gc} tiles, ${rk}×${ck} kept, N = ${N}`, () => {
      const l = llavaNext7b.layout({ width: W, height: H });
      expect(l.details).toMatchObject({ gridRows: gr, gridCols: gc, rowsKept: rk, colsKept: ck });
      expect(l.tokens).toBe(N);
      expect(l.tokens).toBe(576 + rk * ck + rk);
      expect(l.candidates.length).toBe(576 + rk * ck);
      expect(l.layout.frames).toEqual([
        { rows: 24, cols: 24 },
        { rows: rk, cols: ck },
      ]);
      expect(l.encoderPasses).toEqual(new Array(1 + gr * gc).fill(577));
    });
  }
  it('640×480: rows 6..41 of the 48×48 map survive the unpad', () => {
    expect(llavaNext7b.layout({ width: 640, height: 480 }).details).toMatchObject({ unpadTop: 6, unpadLeft: 0, resizedWidth: 672, resizedHeight: 504, pasteX: 0, pasteY: 84 });
  });
  it('2928 is the maximum', () => {
    let max = 0;
    for (const W of [100, 336, 500, 672, 1000, 1500]) for (const H of [100, 336, 500, 672, 1000, 1500]) max = Math.max(max, llavaNext7b.layout({ width: W, height: H }).tokens);
    expect(max).toBe(2928);
  });
});

describe('LLaVA-NeXT token order and coordinates (docs/models.md §2.3)', () => {
  const l = llavaNext7b.layout({ width: 640, height: 480 });
  it('576 base tokens first, then each kept row: 48 cells and a newline', () => {
    expect(Array.from(l.frame.subarray(0, 576)).every((f) => f === 0)).toBe(true);
    for (const t of [576 + 48, 576 + 2 * 49 - 1, l.tokens - 1]) {
      expect(l.structural[t]).toBe(1);
      expect(l.candidateIndex[t]).toBe(-1);
    }
    expect(l.structural[576 + 47]).toBe(0);
    expect([l.frame[576 + 49], l.row[576 + 49], l.col[576 + 49]]).toEqual([1, 1, 0]);
    expect([l.row[576 + 48], l.col[576 + 48]]).toEqual([0, 48]);
    let newlines = 0;
    for (let t = 0; t < l.tokens; t++) newlines += l.structural[t];
    expect(newlines).toBe(36);
    // candidate numbering skips newlines: the token after the first newline is candidate 576 + 48
    expect(l.candidateIndex[576 + 49]).toBe(576 + 48);
  });
  it('base view: the whole image squashed onto 24×24', () => {
    expect(box(l, 0)).toEqual([0, 0, 640 / 24, 20]);
    expect(box(l, 575)).toEqual([(23 * 640) / 24, 460, 640, 480]);
  });
  it('high-res view: 672×504 pasted at (0, 84) on a 672×672 canvas, 14-px feature cells', () => {
    const first = box(l, 576); // map row 6 → canvas y [84, 98) → image [0, 13.33)
    expect(first[0]).toBe(0);
    expect(first[1]).toBe(0);
    expect(first[2]).toBeCloseTo(14 * (640 / 672), 9);
    expect(first[3]).toBeCloseTo(14 * (480 / 504), 9);
    const lastCell = box(l, 576 + 47);
    expect(lastCell[0]).toBeCloseTo(658 * (640 / 672), 9);
    expect(lastCell[2]).toBeCloseTo(640, 9);
    expect(box(l, 576 + 48)).toEqual([first[0], first[1], lastCell[2], lastCell[3]]); // newline spans its row
    expect(box(l, l.tokens - 2)[3]).toBeCloseTo(480, 9);
    expect(l.padding.every((p) => p === 0)).toBe(true);
  });
  it('1280×720: the first kept row is half padding, kept by the feature-cell unpad', () => {
    const m = llavaNext7b.layout({ width: 1280, height: 720 });
    expect(m.details).toMatchObject({ resizedHeight: 378, pasteY: 147, unpadTop: 10 });
    const b = box(m, 576); // canvas y [140, 154) → image y [−13.3, 13.3) → clipped
    expect(b[1]).toBe(0);
    expect(b[3]).toBeCloseTo(7 * (720 / 378), 9);
    expect(m.padding[576]).toBe(0);
  });
  it('orientation option: 336×336 tiles 2×1 (original) or 1×2 (transformers), same count', () => {
    const o = llavaNext7b.layout({ width: 336, height: 336 });
    const h = llavaNext7b.layout({ width: 336, height: 336 }, { pinpointOrder: 'hw' });
    expect(o.details).toMatchObject({ gridRows: 2, gridCols: 1, unpadTop: 12, pasteY: 168 });
    expect(h.details).toMatchObject({ gridRows: 1, gridCols: 2, unpadLeft: 12, pasteX: 168 });
    expect(h.tokens).toBe(o.tokens);
  });
  it('unpad rounding option: int(x) vs int(round(x, 7)) at 110×352', () => {
    // 110 · 48/352 evaluates to 14.999999999999998: int → 14 (pad 5), round(·, 7) → 15 (pad 4)
    const f = llavaNext7b.layout({ width: 110, height: 352 });
    const r = llavaNext7b.layout({ width: 110, height: 352 }, { unpadRounding: 'round7' });
    expect(f.details).toMatchObject({ gridRows: 2, gridCols: 1, colsKept: 14 });
    expect(r.details).toMatchObject({ colsKept: 16 });
    expect([f.tokens, r.tokens]).toEqual([576 + 48 * 14 + 48, 576 + 48 * 16 + 48]);
  });
  it('layout --json lists candidates only (no newlines)', () => {
    const j = layoutReportJson(l);
    expect([j.tokens, j.candidates, j.frame.length, j.row.length, j.col.length, j.box.length]).toEqual([2340, 2304, 2304, 2304, 2304, 2304]);
    expect(Math.max(...j.col.slice(576))).toBe(47);
  });
});

describe('newlines after pruning', () => {
  const l = llavaNext7b.layout({ width: 640, height: 480 });
  it("a row's newline is kept iff a token of that row is kept", () => {
    expect(keptNewlines(l, [0, 100, 575])).toEqual([]);
    // candidate 576 = hires (0, 0); candidate 576 + 48·2 + 5 = hires (2, 5)
    expect(keptNewlines(l, [576, 576 + 101])).toEqual([576 + 48, 576 + 3 * 49 - 1]);
    expect(keptLlavaNextTokens(l, [576 + 101, 3])).toEqual([3, 576 + 2 * 49 + 5, 576 + 3 * 49 - 1]);
    expect(keptNewlines(l, [0], 'all')).toHaveLength(36);
    expect(keptNewlines(l, [576], 'none')).toEqual([]);
  });
  it('an image too elongated for any high-res row is a typed error', () => {
    expect(() => llavaNext7b.layout({ width: 4000, height: 10 })).toThrow(expect.objectContaining({ code: 'INVALID_INPUT', field: 'image' }));
  });
  it('spans: a sentinel needs the layout token count', () => {
    expect(() => llavaNext7b.visualSpans([1, -200, 2])).toThrow(expect.objectContaining({ field: 'tokensPerImage' }));
    expect(llavaNext7b.visualSpans([1, -200, 2], { tokensPerImage: l.tokens })).toEqual([{ image: 0, start: 1, length: 2340, inputIndex: 1 }]);
  });
  it('cost: N = 2880 → keep 640 at K = 2: 73.4% (docs/cost-model.md §4)', () => {
    expect(Math.round(llavaNext7b.cost({ visual: 2880, keep: 640, layer: 2 }).reduction * 1000) / 10).toBe(73.4);
    const c = llavaNext7b.cost({ image: { width: 640, height: 480 }, keep: 640 });
    expect(c.visual).toBe(2340);
    expect(Math.round((c.visionMacs ?? 0) / 5 / 1e9)).toBe(191); // 5 crops of ≈ 191 GMAC
  });
});
