import { adapterRegistry, flopsJson, getAdapter, type TokenInput } from '@d2pruner/core';
import { getMethod } from '@d2pruner/methods';
import { describe, expect, it } from 'vitest';
import { QWEN2_VL_TOKENS, mropePositions, pruneSequence, qwen2vl7b, registerQwen2VLAdapter, roundHalfEven, smartResize } from '../src/index.js';

const { visionStart: VS, imagePad: PAD, visionEnd: VE } = QWEN2_VL_TOKENS;

describe('smart_resize (docs/models.md §4)', () => {
  it('worked examples: 640×480 → 644×476 = 23×17 = 391; 336×336 → 144; 1920×1080 → 47×26 = 1222', () => {
    expect(smartResize(480, 640)).toEqual({ height: 476, width: 644 });
    expect(qwen2vl7b.layout({ width: 640, height: 480 }).layout.frames).toEqual([{ rows: 17, cols: 23 }]);
    expect(qwen2vl7b.layout({ width: 640, height: 480 }).tokens).toBe(391);
    expect(qwen2vl7b.layout({ width: 336, height: 336 }).tokens).toBe(144);
    const big = qwen2vl7b.layout({ width: 1920, height: 1080 });
    expect(big.details).toMatchObject({ rows: 26, cols: 47, resizedWidth: 1316, resizedHeight: 728 });
    expect(big.tokens).toBe(1222);
  });
  it("Python's round: halves go to even; tiny images grow to min_pixels", () => {
    expect([roundHalfEven(2.5), roundHalfEven(1.5), roundHalfEven(2.4), roundHalfEven(3.5)]).toEqual([2, 2, 2, 4]);
    expect(smartResize(70, 70)).toEqual({ height: 56, width: 56 }); // 70/28 = 2.5 → 2
    expect(smartResize(20, 20)).toEqual({ height: 56, width: 56 }); // 28² < 56² → scaled up
    expect(qwen2vl7b.layout({ width: 640, height: 480 }, { maxPixels: 28 * 28 * 100 }).tokens).toBeLessThanOrEqual(100);
    expect(() => smartResize(1, 300)).toThrow(expect.objectContaining({ field: 'image' }));
  });
  it('boxes map the 28-px cells of the resized image back to the original', () => {
    const l = qwen2vl7b.layout({ width: 640, height: 480 });
    expect(Array.from(l.box.subarray(0, 4))).toEqual([0, 0, 28 * (640 / 644), 28 * (480 / 476)]);
    expect(l.box[4 * 390 + 2]).toBeCloseTo(640, 9);
    expect(l.box[4 * 390 + 3]).toBeCloseTo(480, 9);
    expect(l.encoderPasses).toEqual([4 * 391]);
  });
});

describe('M-RoPE positions for pruned sequences (docs/models.md §4, §6.2)', () => {
  // 2 text tokens, <|vision_start|>, a 2×3 image, <|vision_end|>, 1 text token
  const ids = [10, 11, VS, ...new Array<number>(6).fill(PAD), VE, 12];
  const grid = [{ rows: 2, cols: 3 }];
  it('text runs on one index; the image is (s, s+row, s+col); text resumes at s + max(rows, cols)', () => {
    const p = mropePositions(ids, grid);
    expect(Array.from(p.t)).toEqual([0, 1, 2, 3, 3, 3, 3, 3, 3, 6, 7]);
    expect(Array.from(p.h)).toEqual([0, 1, 2, 3, 3, 3, 4, 4, 4, 6, 7]);
    expect(Array.from(p.w)).toEqual([0, 1, 2, 3, 4, 5, 3, 4, 5, 6, 7]);
  });
  it('pruning keeps the original positions of kept tokens and recomputes rope_deltas', () => {
    const full = pruneSequence(ids, grid, [[0, 1, 2, 3, 4, 5]]);
    expect(full.ropeDelta).toBe(8 - 11);
    const p = pruneSequence(ids, grid, [[5, 0]]);
    expect(p.keptIndices).toEqual([0, 1, 2, 3, 8, 9, 10]);
    expect(p.inputIds).toEqual([10, 11, VS, PAD, PAD, VE, 12]);
    expect(Array.from(p.positions.t)).toEqual([0, 1, 2, 3, 3, 6, 7]);
    expect(Array.from(p.positions.h)).toEqual([0, 1, 2, 3, 4, 6, 7]);
    expect(Array.from(p.positions.w)).toEqual([0, 1, 2, 3, 5, 6, 7]);
    expect(p.ropeDelta).toBe(8 - 7);
  });
  it('two images; grids must match the placeholder runs', () => {
    const two = [VS, PAD, PAD, VE, 7, VS, ...new Array<number>(4).fill(PAD), VE];
    const p = mropePositions(two, [
      { rows: 1, cols: 2 },
      { rows: 2, cols: 2 },
    ]);
    // image 1 at s = 1: w = 1, 2; text resumes at 1 + 2 = 3 (</vs>, 7, <vs> → 3, 4, 5); image 2 at s = 6; </vs> at 6 + 2
    expect(Array.from(p.w)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 6, 7, 8]);
    expect(Array.from(p.h)).toEqual([0, 1, 1, 3, 4, 5, 6, 6, 7, 7, 8]);
    expect(Array.from(p.t)).toEqual([0, 1, 1, 3, 4, 5, 6, 6, 6, 6, 8]);
    expect(() => mropePositions(ids, [{ rows: 2, cols: 2 }])).toThrow(expect.objectContaining({ code: 'SHAPE_MISMATCH' }));
    expect(() => pruneSequence(ids, grid, [[6]])).toThrow(expect.objectContaining({ field: 'keep' }));
  });
});

/** Deterministic pseudo-random numbers in [0, 1). */
function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

describe('registered from outside; D2Pruner runs on its layout', () => {
  it('registerAdapter / getAdapter', () => {
    expect(adapterRegistry.has('qwen2-vl-7b')).toBe(false);
    registerQwen2VLAdapter();
    registerQwen2VLAdapter();
    expect(getAdapter('Qwen/Qwen2-VL-7B-Instruct')).toBe(qwen2vl7b);
    const j = flopsJson(getAdapter('qwen2-vl-7b'), { image: { width: 640, height: 480 }, keep: 39 });
    expect([j.visual, j.layer, j.text]).toEqual([391, 2, 60]);
    expect(j.reduction).toBeGreaterThan(0);
  });
  it("getMethod('d2pruner') on a 17×23 Qwen2-VL layout: spatial-only edges ⇒ no two kept tokens adjacent", async () => {
    const l = getAdapter('qwen2-vl-7b').layout({ width: 640, height: 480 });
    const n = l.candidates.length;
    const rnd = lcg(7);
    const D = 8;
    const input: TokenInput = {
      features: { rows: n, cols: D, data: Float32Array.from({ length: n * D }, () => rnd() - 0.5) },
      attention: Float32Array.from({ length: n }, () => rnd()),
      layout: l.layout,
    };
    // alpha 0, theta 0.5: an edge iff two candidates are 8-neighbours; no pivots ⇒ every kept token is a round-1 MIS pick
    const sel = await getMethod('d2pruner').select(input, 40, { pivotRatio: 0, alpha: 0, theta: 0.5, radius: 1 });
    expect(sel.keep).toHaveLength(40);
    expect(sel.rounds).toBe(1);
    for (let a = 0; a < 40; a++) {
      for (let b = a + 1; b < 40; b++) {
        const i = sel.keep[a];
        const k = sel.keep[b];
        const cheb = Math.max(Math.abs(l.layout.row[i] - l.layout.row[k]), Math.abs(l.layout.col[i] - l.layout.col[k]));
        expect(cheb).toBeGreaterThan(1);
      }
    }
    // the kept tokens feed straight back into the sequence: positions stay original
    const ids = [1, VS, ...new Array<number>(n).fill(PAD), VE, 2];
    const p = pruneSequence(ids, [{ rows: 17, cols: 23 }], [sel.keep]);
    expect(p.inputIds).toHaveLength(4 + 40);
    expect(Array.from(p.positions.h.subarray(2, 42))).toEqual(sel.keep.map((k) => 2 + Math.floor(k / 23)));
    expect(Array.from(p.positions.w.subarray(2, 42))).toEqual(sel.keep.map((k) => 2 + (k % 23)));
    expect(p.ropeDelta).toBe(2 + 23 + 1 + 1 - 44);
  });
});
