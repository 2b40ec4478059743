import { adapterRegistry, flopsJson, getAdapter, layoutReportJson } from '@d2pruner/core';
import { describe, expect, it } from 'vitest';
import { candidateGrids, internvl25_8b, pixelShuffleSources, registerInternVLAdapters } from '../src/index.js';

const box = (l: { box: Float64Array }, t: number) => Array.from(l.box.subarray(4 * t, 4 * t + 4));

describe('dynamic tiling (docs/models.md §3.2 table)', () => {
  const cases: [number, number, number, string, number, number][] = [
    // W, H, maxTiles, grid (cols×rows), tiles incl. thumbnail, tokens
    [640, 480, 12, '4x3', 13, 3328],
    [640, 480, 6, '3x2', 7, 1792],
    [640, 427, 12, '3x2', 7, 1792],
    [640, 427, 6, '3x2', 7, 1792],
    [1024, 1024, 12, '3x3', 10, 2560],
    [1024, 1024, 6, '2x2', 5, 1280],
    [1280, 720, 12, '4x2', 9, 2304],
    [1280, 720, 6, '2x1', 3, 768],
    [448, 448, 12, '1x1', 1, 256],
    [448, 448, 6, '1x1', 1, 256],
  ];
  for (const [W, H, max, grid, tiles, tokens] of cases) {
    it(`${W}×${H} at max ${max} → ${grid} (${tiles} tiles) = ${tokens} tokens`, () => {
      const l = internvl25_8b.layout({ width: W, height: H }, { maxTiles: max });
      expect(`${l.details.tileCols}x${l.details.tileRows}`).toBe(grid);
      expect(l.encoderPasses).toHaveLength(tiles);
      expect([l.tokens, l.candidates.length]).toEqual([tokens, tokens]);
      expect(l.details.thumbnail).toBe(tiles > 1);
    });
  }
  it('maxTiles defaults to 12', () => {
    expect(internvl25_8b.layout({ width: 640, height: 480 }).tokens).toBe(3328);
  });
  it('tie rule: a larger same-aspect grid only when the image area exceeds half its pixels', () => {
    // 500×500: 250000 ≤ 0.5·448²·4 = 401408 → stays 1×1
    expect(internvl25_8b.layout({ width: 500, height: 500 }).tokens).toBe(256);
    // 1024×1024: 1048576 > 0.5·448²·9 = 903168 → 3×3
    expect(internvl25_8b.layout({ width: 1024, height: 1024 }).details.tileCols).toBe(3);
  });
  it('candidate grids are sorted by tile count', () => {
    const g = candidateGrids(1, 6);
    expect(g.map((x) => x.cols * x.rows)).toEqual([...g.map((x) => x.cols * x.rows)].sort((a, b) => a - b));
    expect(g).toHaveLength(14);
    expect(() => internvl25_8b.layout({ width: 10, height: 10 }, { minTiles: 5, maxTiles: 4 })).toThrow(expect.objectContaining({ field: 'maxTiles' }));
    expect(() => internvl25_8b.layout({ width: 10, height: 10 }, { maxTiles: 0 })).toThrow(expect.objectContaining({ field: 'maxTiles' }));
  });
});

/** Reshape/permute on index arrays, the way torch's `view`/`permute(...).contiguous()` move data. */
function permute(data: number[], shape: number[], perm: number[]): number[] {
  const strides = shape.map((_, i) => shape.slice(i + 1).reduce((a, b) => a * b, 1));
  const outShape = perm.map((p) => shape[p]);
  const out: number[] = [];
  const idx = new Array<number>(outShape.length).fill(0);
  for (let k = 0; k < data.length; k++) {
    let src = 0;
    for (let d = 0; d < outShape.length; d++) src += idx[d] * strides[perm[d]];
    out.push(data[src]);
    for (let d = outShape.length - 1; d >= 0; d--) {
      if (++idx[d] < outShape[d]) break;
      idx[d] = 0;
    }
  }
  return out;
}

describe('pixel-shuffle order (docs/models.md §3.3)', () => {
  // InternVL `pixel_shuffle` (ps_version v2) on one tile, C = 1 channel holding the patch id:
  // x (1, 32, 32, 1) → view (1, 32, 16, 2) → permute(0,2,1,3) → view (1, 16, 16, 4) → permute(0,2,1,3).
  const patches = Array.from({ length: 1024 }, (_, k) => k);
  const a = permute(patches, [1, 32, 16, 2], [0, 2, 1, 3]);
  const shuffled = permute(a, [1, 16, 16, 4], [0, 2, 1, 3]); // token t = flat index div 4, channel = mod 4

  it('token t concatenates patches (2R,2C), (2R,2C+1), (2R+1,2C), (2R+1,2C+1), R = t div 16, C = t mod 16', () => {
    for (let t = 0; t < 256; t++) {
      const simulated = shuffled.slice(4 * t, 4 * t + 4).map((p) => [Math.floor(p / 32), p % 32]);
      expect(pixelShuffleSources(t)).toEqual(simulated);
    }
  });
  it("a 448×448 image's token boxes are the union of their source patches (14 px each)", () => {
    const l = internvl25_8b.layout({ width: 448, height: 448 });
    for (let t = 0; t < 256; t++) {
      const src = shuffled.slice(4 * t, 4 * t + 4).map((p) => [Math.floor(p / 32), p % 32]);
      const rows = src.map((s) => s[0]);
      const cols = src.map((s) => s[1]);
      expect(box(l, t)).toEqual([Math.min(...cols) * 14, Math.min(...rows) * 14, (Math.max(...cols) + 1) * 14, (Math.max(...rows) + 1) * 14]);
      expect([l.row[t], l.col[t]]).toEqual([Math.min(...rows) / 2, Math.min(...cols) / 2]);
    }
  });
});

describe('global canvas coordinates (docs/models.md §3.5)', () => {
  const l = internvl25_8b.layout({ width: 640, height: 480 }, { maxTiles: 6 }); // 3 cols × 2 rows + thumbnail
  const at = (t: number) => [l.frame[t], l.row[t], l.col[t]];
  it('frames: a 32×48 canvas and a 16×16 thumbnail', () => {
    expect(l.layout.frames).toEqual([
      { rows: 32, cols: 48 },
      { rows: 16, cols: 16 },
    ]);
  });
  it('tiles are row-major; tokens across a tile border are neighbours', () => {
    expect(at(15)).toEqual([0, 0, 15]); // tile 0, token 15
    expect(at(256)).toEqual([0, 0, 16]); // tile 1, token 0: right of it
    expect(at(3 * 256)).toEqual([0, 16, 0]); // tile 3 (row 1, col 0), token 0
    expect(at(240)).toEqual([0, 15, 0]); // tile 0, token 240: above it
    expect(at(5 * 256 + 255)).toEqual([0, 31, 47]); // last tile, last token
    // the boxes touch: x1 of (0, 15) = x0 of (0, 16); y1 of (15, 0) = y0 of (16, 0)
    expect(box(l, 15)[2]).toBeCloseTo(box(l, 256)[0], 9);
    expect(box(l, 240)[3]).toBeCloseTo(box(l, 3 * 256)[1], 9);
  });
  it('stretch ⇒ uniform cells of W/48 × H/32', () => {
    expect(box(l, 256)).toEqual([(16 * 640) / 48, 0, (17 * 640) / 48, 15]);
    expect(box(l, 5 * 256 + 255)).toEqual([(47 * 640) / 48, 465, 640, 480]);
  });
  it('the thumbnail is frame 1, last, covering the whole image on 16×16', () => {
    expect(at(6 * 256)).toEqual([1, 0, 0]);
    expect(at(6 * 256 + 17)).toEqual([1, 1, 1]);
    expect(box(l, 6 * 256 + 17)).toEqual([40, 30, 80, 60]);
    expect(l.tokens).toBe(7 * 256);
  });
  it('layout --json', () => {
    const j = layoutReportJson(l);
    expect([j.model, j.tokens, j.candidates]).toEqual(['internvl-2.5-8b', 1792, 1792]);
    expect(j.box[256]).toEqual([213.333, 0, 226.667, 15]);
  });
});

describe('spans, cost, registration', () => {
  it('<img> and </img> are outside the span, never pruned', () => {
    const prefix = [1, 92543, 333, 92543, 444];
    const ids = [...prefix, 92544, ...new Array<number>(1792).fill(92546), 92545, 13, 555];
    const [s] = internvl25_8b.visualSpans(ids);
    expect(s).toEqual({ image: 0, start: prefix.length + 1, length: 1792, inputIndex: prefix.length + 1 });
    expect(ids[s.start - 1]).toBe(internvl25_8b.placeholders.imageStartId);
    expect(ids[s.start + s.length]).toBe(internvl25_8b.placeholders.imageEndId);
  });
  it('1792 → 179 visual with 70 non-visual tokens: 87.5% (K=0) / 82.0% (K=2) (docs/cost-model.md §3)', () => {
    const q = { image: { width: 640, height: 480 }, layoutOptions: { maxTiles: 6 }, keep: 179 };
    const pct = (r: number) => Math.round(r * 1000) / 10;
    const k0 = flopsJson(internvl25_8b, { ...q, layer: 0 });
    expect([k0.visual, k0.text, pct(k0.reduction)]).toEqual([1792, 70, 87.5]);
    expect(pct(flopsJson(internvl25_8b, { ...q, layer: 2 }).reduction)).toBe(82.0);
    const exact = internvl25_8b.cost({ ...q, layer: 0, formula: 'exact' });
    expect(pct(exact.reduction)).toBe(87.4);
    expect(exact.full.macs / 1e12).toBeCloseTo(13.9, 2);
    expect((exact.visionMacs ?? 0) / 1e12).toBeCloseTo(2.53, 2); // 7 tiles × 361 GMAC
    expect(exact.kvBytesSaved).toBe((1792 - 179) * 128 * 1024);
  });
  it('nothing registered on import; registerInternVLAdapters is idempotent', () => {
    expect(adapterRegistry.has('internvl-2.5-8b')).toBe(false);
    registerInternVLAdapters();
    registerInternVLAdapters();
    expect(getAdapter('InternVL-2.5-8B')).toBe(internvl25_8b);
    expect(getAdapter('OpenGVLab/InternVL2_5-8B')).toBe(internvl25_8b);
  });
});
