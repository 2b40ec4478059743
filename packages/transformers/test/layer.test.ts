import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  SPLIT_NAMES,
  generateSplit,
  generateWithPruning,
  loadLocalLlava,
  loadSplitDecoder,
  resolvePruningOptions,
  sessionFactoryOf,
  withPruning,
  type LoadedLlava,
  type SessionLike,
  type SplitDecoder,
} from '../src/index.js';
import { gridLayout, layoutSignature } from '@d2pruner/core';
import { caught, tinyModelFixture } from './helpers.js';
import { topK } from './top-k.js';

const N = 576;
const K = 2;
const LAYERS = 4;
const HIDDEN = 64;
const HEADS = 4;
const INTERMEDIATE = 3 * HIDDEN;
const PROMPT = 'USER: <image>\nWhat is in the picture? ASSISTANT:';
let loaded: LoadedLlava;
let image: object;
let dir: string;
let S: number;
let split: SplitDecoder;

interface Call {
  tokens: number;
  past: number;
  mask: number;
  positions: number[];
}

/** Wraps a part's run to record what it is fed. */
function spy(session: SessionLike, pastName: string): { calls: Call[]; stop(): void } {
  const s = session as unknown as { run: (f: Record<string, { dims: number[]; data: unknown }>) => Promise<unknown> };
  const run = s.run;
  const calls: Call[] = [];
  s.run = async (feeds) => {
    const x = feeds.inputs_embeds ?? feeds[SPLIT_NAMES.hidden];
    calls.push({ tokens: x.dims[1], past: feeds[pastName].dims[2], mask: feeds.attention_mask.dims[1], positions: Array.from(feeds.position_ids.data as BigInt64Array, Number) });
    return run.call(s, feeds);
  };
  return { calls, stop: () => void (s.run = run) };
}


beforeAll(async () => {
  const fx = await tinyModelFixture({ seed: 3, layers: LAYERS, hidden: HIDDEN, heads: HEADS }, [1, K]);
  dir = fx.dir;
  loaded = await loadLocalLlava(fx.dir);
  image = (await loaded.transformers.RawImage.read(fx.image)) as object;
  S = (await loaded.processor(image, PROMPT)).input_ids.dims[1];
  split = await loadSplitDecoder(join(dir, `split-k${K}`), K, sessionFactoryOf(loaded.model.sessions.decoder_model_merged));
});

describe('pruning inside the LLM at layer K = 2 (split decoder pair)', () => {
  it('keep-all generates exactly the unpruned tokens (transformers.js generate on the merged decoder)', async () => {
    const base = await generateWithPruning(loaded, { image, prompt: PROMPT, maxNewTokens: 12, pruning: false });
    expect(base.tokenIds).toHaveLength(12);
    const all = await generateWithPruning(loaded, { image, prompt: PROMPT, maxNewTokens: 12, pruning: { layer: K, keep: N } });
    expect(all.tokenIds).toEqual(base.tokenIds);
    expect(all.text).toBe(base.text);
    expect(all.report).toMatchObject({ layer: K, method: 'd2pruner', visualTokens: { before: N, after: N }, sequenceBefore: S, prefillTokens: S });
    expect(all.report.images[0].importance).toBe('attention');
    const off = await generateWithPruning(loaded, { image, prompt: PROMPT, maxNewTokens: 12, pruning: { layer: 1, enabled: false } });
    expect(off.tokenIds).toEqual(base.tokenIds);
    expect(off.report).toMatchObject({ layer: 1, method: null, prefillTokens: S });
  });

  it.each([64, 200])('keep %i: deterministic; part A prefills all S tokens, part B S − (N − n) at their original positions; decode steps feed both caches', async (n) => {
    const T = 5;
    const a = spy(split.partA, 'past_key_values.0.key');
    const b = spy(split.partB, `past_key_values.${K}.key`);
    let first;
    try {
      first = await generateWithPruning(loaded, { image, prompt: PROMPT, maxNewTokens: T, pruning: { layer: K, keep: n }, splitDecoder: split });
    } finally {
      a.stop();
      b.stop();
    }
    const again = await generateWithPruning(loaded, { image, prompt: PROMPT, maxNewTokens: T, pruning: { layer: K, keep: n }, splitDecoder: split });
    expect(again.tokenIds).toEqual(first.tokenIds);
    expect(again.report.images[0].kept).toEqual(first.report.images[0].kept);
    const S2 = S - (N - n);
    expect(first.report.prefillTokens).toBe(S2);
    const kept = first.report.images[0].kept;
    const start = first.report.images[0].start;
    const keptPositions = [...Array(S).keys()].filter((p) => p < start || p >= start + N || kept.includes(p - start));
    expect(a.calls[0]).toEqual({ tokens: S, past: 0, mask: S, positions: [...Array(S).keys()] });
    expect(b.calls[0]).toEqual({ tokens: S2, past: 0, mask: S2, positions: keptPositions });
    expect(a.calls).toHaveLength(T);
    expect(b.calls).toHaveLength(T);
    for (let i = 1; i < T; i++) {
      expect(a.calls[i]).toEqual({ tokens: 1, past: S + i - 1, mask: S + i, positions: [S + i - 1] });
      expect(b.calls[i]).toEqual({ tokens: 1, past: S2 + i - 1, mask: S2 + i, positions: [S + i - 1] });
    }
  });

  it("D2Pruner's importance is the layer-(K−1) attention of the last prompt token, debiased by the prior", async () => {
    const fast = await generateWithPruning(loaded, { image, prompt: PROMPT, maxNewTokens: 1, pruning: { layer: K, method: 'fastv', keep: 20 }, splitDecoder: split });
    const attention = fast.report.images[0].attention!;
    expect(attention).toHaveLength(N);
    const total = attention.reduce((x, y) => x + y, 0);
    expect(total).toBeGreaterThan(0);
    expect(total).toBeLessThan(1);
    expect(fast.report.images[0].kept).toEqual(topK(attention, 20));
    // pivots only (pivotRatio 1): keep = top n of a / (b + eps)
    const prior = Float32Array.from({ length: N }, (_, i) => 1 + (i % 24) / 4 + Math.floor(i / 24));
    const d2 = await generateWithPruning(loaded, { image, prompt: PROMPT, maxNewTokens: 1, pruning: { layer: K, keep: 30, prior, params: { pivotRatio: 1 } }, splitDecoder: split });
    const debiased = Float32Array.from(attention, (a, i) => a / (prior[i] + 1e-7));
    expect(d2.report.images[0].kept).toEqual(topK(debiased, 30));
    expect(d2.report.images[0].kept).not.toEqual(topK(attention, 30));
  });

  it('the method sees H^(K−1) rows and layer-(K−1) keys of the image tokens; DART and VisionZip run', async () => {
    const r = await generateWithPruning(loaded, { image, prompt: PROMPT, maxNewTokens: 1, pruning: { layer: K, keep: 16, captureInputs: true }, splitDecoder: split });
    const input = r.report.images[0].input!;
    expect([input.features?.rows, input.features?.cols]).toEqual([N, HIDDEN]);
    expect([input.keys?.rows, input.keys?.cols]).toEqual([N, HIDDEN]);
    expect([input.textKeys?.rows, input.textFeatures?.rows]).toEqual([S - N, S - N]);
    expect(input.imageEmbeds?.data).not.toEqual(input.features?.data);
    expect(Array.from(input.attention!)).toEqual(Array.from(r.report.images[0].attention!));
    const dart = await generateWithPruning(loaded, { image, prompt: PROMPT, maxNewTokens: 2, pruning: { layer: K, method: 'dart', keep: 32 }, splitDecoder: split });
    expect(dart.report.images[0].after).toBe(32);
    expect(dart.tokenIds).toHaveLength(2);
    const vz = await generateWithPruning(loaded, { image, prompt: PROMPT, maxNewTokens: 1, pruning: { layer: K, method: 'visionzip', keep: 32, importance: 'cls' }, splitDecoder: split });
    expect(vz.report.images[0].after).toBe(32);
  });

  it('the report gives prefill MACs by part: K·F(S) for part A, (L−K)·F(S − N + n) for part B', async () => {
    const n = 64;
    const r = await generateWithPruning(loaded, { image, prompt: PROMPT, maxNewTokens: 1, pruning: { layer: K, keep: n }, splitDecoder: split });
    // GQA/SwiGLU per-layer MACs with kv = heads: 4·t·d² + 2·t²·d + 3·t·d·m
    const F = (t: number) => 4 * t * HIDDEN * HIDDEN + 2 * t * t * HIDDEN + 3 * t * HIDDEN * INTERMEDIATE;
    const S2 = S - N + n;
    expect(r.report.macs).toMatchObject({
      layer: K,
      formula: 'exact',
      partA: { layers: [0, K], tokens: S, macs: K * F(S) },
      partB: { layers: [K, LAYERS], tokens: S2, macs: (LAYERS - K) * F(S2) },
      full: LAYERS * F(S),
    });
    expect(r.report.macs!.ratio).toBeCloseTo((LAYERS * F(S)) / (K * F(S) + (LAYERS - K) * F(S2)), 12);
    expect(r.report.partAMs! + r.report.partBMs!).toBeCloseTo(r.report.prefillMs, 6);
    const k0 = await generateWithPruning(loaded, { image, prompt: PROMPT, maxNewTokens: 1, pruning: { keep: n } });
    expect(k0.report.macs).toMatchObject({ layer: 0, partA: { macs: 0 }, partB: { tokens: S2, macs: LAYERS * F(S2) } });
  });
});

describe('typed errors at layer K', () => {
  it('no split pair for the layer, a pair of another layer, withPruning, attention at layer 0', async () => {
    const e = await caught(() => generateWithPruning(loaded, { image, prompt: PROMPT, maxNewTokens: 1, pruning: { layer: 3, keep: 8 } }));
    expect(e).toMatchObject({ code: 'INVALID_INPUT', field: 'split' });
    expect(e.message).toContain('d2pruner split-decoder');
    expect(await caught(() => generateWithPruning(loaded, { image, prompt: PROMPT, maxNewTokens: 1, pruning: { layer: 1, keep: 8 }, splitDecoder: split }))).toMatchObject({ code: 'INVALID_ARGUMENT', field: 'layer' });
    expect(await caught(() => generateWithPruning(loaded, { image, prompt: PROMPT, maxNewTokens: 1, pruning: { layer: 1, keep: 8, split: join(dir, `split-k${K}`) } }))).toMatchObject({ code: 'INVALID_ARGUMENT', field: 'layer' });
    expect(await caught(() => withPruning(loaded.model, null, { layer: K, keep: 8 }))).toMatchObject({ code: 'INVALID_ARGUMENT', field: 'layer' });
    expect(await caught(() => withPruning(loaded.model, null, { keep: 8, importance: 'attention' }))).toMatchObject({ code: 'INVALID_ARGUMENT', field: 'importance' });
    expect(await caught(() => withPruning(loaded.model, null, { keep: 8, layer: -1 }))).toMatchObject({ field: 'layer' });
    expect(await caught(() => generateWithPruning(loaded, { image, prompt: PROMPT, maxNewTokens: 1, pruning: { layer: K, keep: 8, prior: [1, 2, 3] }, splitDecoder: split }))).toMatchObject({ code: 'SHAPE_MISMATCH', field: 'prior' });
    // a prior belongs to the layout it was calibrated on: 576 values of a 16×36 grid are refused on the 24×24 image
    const prior = new Float32Array(N).fill(1);
    const other = await caught(() => generateWithPruning(loaded, { image, prompt: PROMPT, maxNewTokens: 1, pruning: { layer: K, keep: 8, prior, priorLayout: layoutSignature(gridLayout(16, 36)) }, splitDecoder: split }));
    expect(other).toMatchObject({ code: 'INVALID_INPUT', field: 'prior' });
    const same = await generateWithPruning(loaded, { image, prompt: PROMPT, maxNewTokens: 1, pruning: { layer: K, keep: 8, prior, priorLayout: layoutSignature(gridLayout(24, 24)) }, splitDecoder: split });
    expect(same.visualTokens).toEqual({ before: N, after: 8 });
    expect(await caught(() => generateWithPruning(loaded, { image, prompt: PROMPT, maxNewTokens: 1, pruning: { layer: K, keep: 8, prior, priorLayout: '' }, splitDecoder: split }))).toMatchObject({ code: 'INVALID_ARGUMENT', field: 'priorLayout' });
    expect(Object.prototype.hasOwnProperty.call(loaded.model, 'forward')).toBe(false);
  });
  it('a batch of two prompts is refused before any inference', async () => {
    const inputs = await loaded.processor([image, image], [PROMPT, PROMPT] as unknown as string);
    const e = await caught(() => generateSplit(loaded.model, split, resolvePruningOptions({ layer: K, keep: 8 }), inputs, { maxNewTokens: 1, eos: new Set() }));
    expect(e).toMatchObject({ code: 'INVALID_INPUT', field: 'input_ids' });
    expect(e.message).toContain('a batch of 2');
  });
});
