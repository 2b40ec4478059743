import { afterEach, describe, expect, it } from 'vitest';
import {
  GeometryBuilder,
  UnknownNameError,
  adapterRegistry,
  defineAdapter,
  findVisualSpans,
  flopsJson,
  getAdapter,
  keptStructuralTokens,
  keptVisualTokens,
  layoutReportJson,
  layoutSignature,
  matchTokenCount,
  parseImageSize,
  registerAdapter,
  visualToSequence,
  type LlmDims,
  type TokenGeometry,
} from '../src/index.js';

const DIMS: LlmDims = {
  layers: 4,
  hidden: 8,
  heads: 2,
  kvHeads: 1,
  headDim: 4,
  intermediate: 16,
  ffnMatrices: 3,
  vocab: 100,
  ropeBase: 10000,
  ropeType: 'rope',
  maxPositions: 512,
};

/**
 * A toy two-view model: a 2×2 base view, then a `rows`×3 high-res view with a newline token
 * closing every row (a miniature LLaVA-NeXT). Sequence order: 4 base tokens, then per row 3
 * cells + newline.
 */
function toyGeometry(image: { width: number; height: number }, o: { rows: number }): TokenGeometry {
  const frame: number[] = [];
  const row: number[] = [];
  const col: number[] = [];
  const structural: number[] = [];
  const box: number[] = [];
  for (let k = 0; k < 4; k++) {
    frame.push(0);
    row.push(k >> 1);
    col.push(k & 1);
    structural.push(0);
    box.push(((k & 1) * image.width) / 2, ((k >> 1) * image.height) / 2, (((k & 1) + 1) * image.width) / 2, (((k >> 1) + 1) * image.height) / 2);
  }
  for (let r = 0; r < o.rows; r++) {
    for (let c = 0; c <= 3; c++) {
      frame.push(1);
      row.push(r);
      col.push(c);
      structural.push(c === 3 ? 1 : 0);
      box.push(0, 0, 0, 0);
    }
  }
  const n = frame.length;
  return {
    frames: [
      { rows: 2, cols: 2, kind: 'base' },
      { rows: o.rows, cols: 3, kind: 'hires' },
    ],
    frame: Int32Array.from(frame),
    row: Int32Array.from(row),
    col: Int32Array.from(col),
    box: Float64Array.from(box),
    padding: new Uint8Array(n),
    structural: Uint8Array.from(structural),
    encoderPasses: [5, 5],
    details: { rows: o.rows },
  };
}

const toy = defineAdapter<{ rows: number }>({
  id: 'toy-1b',
  family: 'toy',
  aliases: ['Toy/Toy-1B'],
  description: 'test adapter',
  llm: DIMS,
  vision: { layers: 1, hidden: 2, intermediate: 4 },
  defaultLayer: 2,
  defaultTextTokens: 10,
  layoutOptions: [{ name: 'rows', type: 'integer', default: 2, min: 1, max: 8, description: 'high-res rows' }],
  placeholders: { imageTokenId: 7, sentinelId: -200 },
  geometry: toyGeometry,
});

afterEach(() => {
  adapterRegistry.unregister('toy-1b');
});

describe('defineAdapter → layout', () => {
  it('candidates exclude structural tokens and map both ways', () => {
    const l = toy.layout({ width: 40, height: 20 });
    expect(l.tokens).toBe(4 + 2 * 4);
    expect(Array.from(l.candidates)).toEqual([0, 1, 2, 3, 4, 5, 6, 8, 9, 10]);
    expect(Array.from(l.candidateIndex)).toEqual([0, 1, 2, 3, 4, 5, 6, -1, 7, 8, 9, -1]);
    expect(l.layout.frames).toEqual([
      { rows: 2, cols: 2 },
      { rows: 2, cols: 3 },
    ]);
    expect(Array.from(l.layout.frame)).toEqual([0, 0, 0, 0, 1, 1, 1, 1, 1, 1]);
    expect(Array.from(l.layout.col)).toEqual([0, 1, 0, 1, 0, 1, 2, 0, 1, 2]);
    expect(l.model).toBe('toy-1b');
  });
  it('options are validated and defaulted', () => {
    expect(toy.layout({ width: 4, height: 4 }, { rows: 3 }).tokens).toBe(16);
    expect(() => toy.layout({ width: 4, height: 4 }, { rowz: 3 })).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT', field: 'rowz' }));
    expect(() => toy.layout({ width: 4, height: 4 }, { rows: 9 })).toThrow(expect.objectContaining({ field: 'rows' }));
    expect(() => toy.layout({ width: 0, height: 4 })).toThrow(expect.objectContaining({ field: 'image.width' }));
    expect(() => toy.layout({ width: 4, height: 2.5 })).toThrow(expect.objectContaining({ field: 'image.height' }));
  });
});

describe('structural tokens after pruning', () => {
  const l = toy.layout({ width: 40, height: 20 });
  it("a row's newline is kept iff a token of that row is kept (default)", () => {
    // candidate 4 = hires (0,0); candidate 9 = hires (1,2)
    expect(keptStructuralTokens(l, [4])).toEqual([7]);
    expect(keptStructuralTokens(l, [9, 0])).toEqual([11]);
    expect(keptStructuralTokens(l, [0, 1])).toEqual([]);
    expect(keptVisualTokens(l, [9, 4, 0])).toEqual([0, 4, 7, 10, 11]);
  });
  it('matchTokenCount: candidates, tokens with structural ones, or a shape mismatch', () => {
    expect(matchTokenCount(l, 10)).toEqual({ kind: 'candidates' });
    expect(matchTokenCount(l, 12)).toEqual({ kind: 'tokens', rows: l.candidates });
    expect(() => matchTokenCount(l, 11)).toThrow(expect.objectContaining({ code: 'SHAPE_MISMATCH', field: 'layout' }));
  });
  it('all / none policies and bad input', () => {
    expect(keptStructuralTokens(l, [0], 'all')).toEqual([7, 11]);
    expect(keptStructuralTokens(l, [4, 9], 'none')).toEqual([]);
    expect(() => keptStructuralTokens(l, [10])).toThrow(expect.objectContaining({ field: 'keep' }));
    expect(() => keptStructuralTokens(l, [1, 1])).toThrow(expect.objectContaining({ field: 'keep' }));
  });
  it('visual indices map to sequence positions through the span', () => {
    const spans = toy.visualSpans([1, 2, 3, ...new Array<number>(12).fill(7), 4]);
    expect(spans).toEqual([{ image: 0, start: 3, length: 12, inputIndex: 3 }]);
    expect(visualToSequence(l, spans[0], [0, 11])).toEqual([3, 14]);
    expect(() => visualToSequence(l, { ...spans[0], length: 11 }, [0])).toThrow(expect.objectContaining({ field: 'span' }));
  });
});

describe('visual spans', () => {
  const ids = { imageTokenId: 9, sentinelId: -200 };
  it('runs of the repeated placeholder, one per image', () => {
    expect(findVisualSpans([1, 9, 9, 2, 9, 9, 9, 3], ids)).toEqual([
      { image: 0, start: 1, length: 2, inputIndex: 1 },
      { image: 1, start: 4, length: 3, inputIndex: 4 },
    ]);
    expect(findVisualSpans([1, 2, 3], ids)).toEqual([]);
    expect(findVisualSpans(BigInt64Array.from([1n, 9n, 9n]), ids)).toEqual([{ image: 0, start: 1, length: 2, inputIndex: 1 }]);
  });
  it('adjacent images are split by tokensPerImage', () => {
    expect(findVisualSpans([0, 9, 9, 9, 9, 9, 0], ids, { tokensPerImage: [2, 3] }).map((s) => [s.start, s.length])).toEqual([
      [1, 2],
      [3, 3],
    ]);
    expect(() => findVisualSpans([0, 9, 9, 0], ids, { tokensPerImage: 3 })).toThrow(expect.objectContaining({ field: 'inputIds' }));
    expect(() => findVisualSpans([0, 9, 9, 0], ids, { tokensPerImage: [2, 2] })).toThrow(expect.objectContaining({ field: 'tokensPerImage' }));
  });
  it('sentinels expand to the image token count (positions in the expanded sequence)', () => {
    const spans = findVisualSpans([1, 2, -200, 3, -200, 4], ids, { tokensPerImage: [5, 6] });
    expect(spans).toEqual([
      { image: 0, start: 2, length: 5, inputIndex: 2 },
      { image: 1, start: 8, length: 6, inputIndex: 4 },
    ]);
    expect(findVisualSpans([1, -200], ids, {}, 576)).toEqual([{ image: 0, start: 1, length: 576, inputIndex: 1 }]);
    expect(() => findVisualSpans([1, -200], ids)).toThrow(expect.objectContaining({ field: 'tokensPerImage' }));
    expect(() => findVisualSpans([1, 0.5], ids)).toThrow(expect.objectContaining({ field: 'inputIds' }));
  });
});

describe('registry, prior keys, reports', () => {
  it('registerAdapter / getAdapter by id or alias; typed error when unknown', () => {
    registerAdapter(toy);
    expect(getAdapter('toy-1b')).toBe(toy);
    expect(getAdapter('toy/toy-1b')).toBe(toy);
    expect(() => registerAdapter(toy)).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
    expect(() => getAdapter('nope')).toThrow(UnknownNameError);
    expect(() => getAdapter('nope')).toThrow(expect.objectContaining({ code: 'UNKNOWN_NAME', field: 'adapter' }));
  });
  it('prior keys combine model, layer and layout signature', () => {
    const l = toy.layout({ width: 40, height: 20 });
    const k = toy.priorKey(1, l.layout);
    expect(k).toEqual({ model: 'toy-1b', layer: 1, layoutSignature: layoutSignature(l.layout), key: `toy-1b@L1#${layoutSignature(l.layout)}` });
    expect(toy.priorKey(1, toy.layout({ width: 40, height: 20 }, { rows: 3 }).layout).key).not.toBe(k.key);
    expect(() => toy.priorKey(5, l.layout)).toThrow(expect.objectContaining({ field: 'layer' }));
  });
  it('layout --json: candidates only, valid d2pruner.layout, boxes per candidate', () => {
    const j = layoutReportJson(toy.layout({ width: 40, height: 20 }));
    expect(Object.keys(j)).toEqual(['model', 'tokens', 'candidates', 'frames', 'frame', 'row', 'col', 'box']);
    expect([j.tokens, j.candidates, j.frame.length, j.box.length]).toEqual([12, 10, 10, 10]);
    expect(j.box[3]).toEqual([20, 10, 40, 20]);
  });
  it('flops --json: exact keys, defaults from the adapter, image → token count', () => {
    const j = flopsJson(toy, { image: { width: 8, height: 8 }, keep: 4 });
    expect(Object.keys(j)).toEqual(['model', 'visual', 'keep', 'layer', 'text', 'full', 'pruned', 'reduction']);
    expect([j.visual, j.keep, j.layer, j.text]).toEqual([12, 4, 2, 10]);
    // FastV: F(n) = 4·n·64 + 2·n²·8 + 2·n·8·16; n = 22, n̂ = 14.
    const F = (n: number) => 4 * n * 64 + 2 * n * n * 8 + 2 * n * 128;
    expect(j.full.macs).toBe(4 * F(22));
    expect(j.pruned.macs).toBe(2 * F(22) + 2 * F(14));
    expect(j.reduction).toBeCloseTo(1 - (2 * F(22) + 2 * F(14)) / (4 * F(22)), 12);
    const c = toy.cost({ image: { width: 8, height: 8 }, keep: 4, layer: 0 });
    expect(c.visionMacs).toBe(2 * (4 * 5 * 4 + 2 * 25 * 2 + 2 * 5 * 2 * 4));
    expect(c.kvBytesSaved).toBe(8 * 2 * 1 * 4 * 2 * 4);
    expect(() => toy.cost({ keep: 1 })).toThrow(expect.objectContaining({ field: 'visual' }));
  });
  it('parseImageSize', () => {
    expect(parseImageSize('640x480')).toEqual({ width: 640, height: 480 });
    expect(parseImageSize('1024×768')).toEqual({ width: 1024, height: 768 });
    expect(() => parseImageSize('640')).toThrow(expect.objectContaining({ field: 'image' }));
    expect(() => parseImageSize('0x5')).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
  });
  it('parseImageSize refuses sides a number cannot hold exactly, naming the field', () => {
    expect(parseImageSize('9007199254740991x1')).toEqual({ width: 2 ** 53 - 1, height: 1 });
    // 2^53 + 1 would be read as 2^53, 20 nines as 1e20, 400 digits as Infinity: never a silent change
    for (const text of ['9007199254740993x1', '1x99999999999999999999', `1${'0'.repeat(400)}x5`]) {
      expect(() => parseImageSize(text)).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT', field: 'image' }));
    }
  });
});

describe('GeometryBuilder', () => {
  it('clips regions to the image and flags tokens outside it as padding', () => {
    const b = new GeometryBuilder({ width: 10, height: 10 });
    expect(b.token(0, 0, 0, -5, -5, 5, 5)).toBe(false);
    expect(b.token(0, 0, 1, 0, -8, 10, 0)).toBe(true);
    expect(b.token(0, 0, 2, 12, 0, 14, 10)).toBe(true);
    b.structuralToken(0, 0, 3, [0, 0, 10, 5]);
    const g = b.build([{ rows: 1, cols: 3, kind: 'grid' }], [4]);
    expect(Array.from(g.box)).toEqual([0, 0, 5, 5, 0, 0, 10, 0, 10, 0, 10, 10, 0, 0, 10, 5]);
    expect(Array.from(g.padding)).toEqual([0, 1, 1, 0]);
    expect(Array.from(g.structural)).toEqual([0, 0, 0, 1]);
  });
});
