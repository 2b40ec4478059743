import { InvalidArgumentError } from '@d2pruner/core';
import { beforeAll, describe, expect, it } from 'vitest';
import { generateWithPruning, loadLocalLlava, resolvePruningOptions, type LoadedLlava, type PruningOptions, type TensorLike } from '../src/index.js';
import { ReferenceDecoder, ReferenceStack } from './reference-decoder.js';
import { caught, tinyModelFixture } from './helpers.js';
import { topK } from './top-k.js';

// Every expected value here comes from a float64 re-implementation of the tiny decoder
// (reference-decoder.ts), never from the package: the layer-(K−1) attention row, the top-n
// selection, and the greedy tokens of "layers < K on every token, layers ≥ K on the kept ones".
const N = 576;
const SIZES = { seed: 5, hidden: 32, layers: 3, heads: 4, intermediate: 96, ropeTheta: 10000 };
const PROMPT = 'USER: <image>\nWhat? ASSISTANT:';
const T = 3;
let loaded: LoadedLlava;
let image: object;
let rows: Float64Array[];
let start: number;
let dec: ReferenceDecoder;


/** Greedy tokens of the reference: layers < K on every prompt row (positions 0…S−1), layers ≥ K on `keptRows` at `keptPos`. */
async function referenceTokens(K: number, keptRows: number[], keptPos: number[]): Promise<{ tokens: number[]; attention: Float64Array }> {
  const S = rows.length;
  const a = new ReferenceStack(dec, 0, K);
  const b = new ReferenceStack(dec, K, SIZES.layers);
  const hA = K > 0 ? a.run(rows, [...Array(S).keys()]) : rows;
  let out = b.run(
    keptRows.map((p) => hA[p]),
    keptPos,
  );
  const attention = a.lastAttention;
  const tokens: number[] = [];
  let pos = S;
  let bPos = Math.max(...keptPos) + 1;
  for (;;) {
    const next = dec.argmax(out[out.length - 1]);
    tokens.push(next);
    if (tokens.length === T) break;
    const e = (await loaded.model.encode_text({ input_ids: new (loaded.transformers.Tensor)('int64', BigInt64Array.of(BigInt(next)), [1, 1]) as unknown as TensorLike })).data as Float32Array;
    const x = [Float64Array.from(e)];
    const h = K > 0 ? a.run(x, [pos]) : x;
    out = b.run(h, [bPos]);
    pos++;
    bPos++;
  }
  return { tokens, attention };
}

beforeAll(async () => {
  const { seed, hidden, layers, heads, intermediate } = SIZES;
  const fx = await tinyModelFixture({ seed, hidden, layers, heads, intermediate }, [1, 2]);
  loaded = await loadLocalLlava(fx.dir);
  image = (await loaded.transformers.RawImage.read(fx.image)) as object;
  const inputs = await loaded.processor(image, PROMPT);
  const ids = Array.from(inputs.input_ids.data as BigInt64Array, Number);
  const imageId = loaded.model.config.image_token_index as number;
  const text = (await loaded.model.encode_text({ input_ids: inputs.input_ids })).data as Float32Array;
  const feats = (await loaded.model.encode_image({ pixel_values: inputs.pixel_values })).data as Float32Array;
  start = ids.indexOf(imageId);
  const d = hidden;
  rows = ids.map((id, p) => Float64Array.from(id === imageId ? feats.subarray((p - start) * d, (p - start + 1) * d) : text.subarray(p * d, (p + 1) * d)));
  dec = new ReferenceDecoder(SIZES);
});

describe('against an independent float64 decoder', () => {
  it.each([1, 2])('layer K = %i: FastV ranks by the last prompt token’s layer-(K−1) attention; generation = layers ≥ K on the kept tokens at their original positions', async (K) => {
    const n = 40;
    const S = rows.length;
    const r = await generateWithPruning(loaded, { image, prompt: PROMPT, maxNewTokens: T, pruning: { layer: K, method: 'fastv', keep: n } });
    const probe = new ReferenceStack(dec, 0, K);
    probe.run(rows, [...Array(S).keys()]);
    const attention = probe.lastAttention.subarray(start, start + N);
    const got = r.report.images[0].attention!;
    for (let i = 0; i < N; i++) expect(got[i]).toBeCloseTo(attention[i], 6);
    const kept = topK(attention, n);
    expect(r.report.images[0].kept).toEqual(kept);
    const keptRows = [...Array(S).keys()].filter((p) => p < start || p >= start + N || kept.includes(p - start));
    expect(r.prefillTokens).toBe(keptRows.length);
    const ref = await referenceTokens(K, keptRows, keptRows);
    expect(r.tokenIds).toEqual(ref.tokens);
  });

  it('layer K = 0: generation = every layer on the kept tokens at re-indexed positions 0…S′−1', async () => {
    const r = await generateWithPruning(loaded, { image, prompt: PROMPT, maxNewTokens: T, pruning: { keep: 40 } });
    const kept = r.report.images[0].kept;
    expect(kept).toHaveLength(40);
    const keptRows = [...Array(rows.length).keys()].filter((p) => p < start || p >= start + N || kept.includes(p - start));
    const ref = await referenceTokens(0, keptRows, [...keptRows.keys()]);
    expect(r.tokenIds).toEqual(ref.tokens);
  });

  it('keep-all at layer K = 2 and unpruned generation both equal the reference on every token', async () => {
    const all = [...Array(rows.length).keys()];
    const ref = await referenceTokens(0, all, all);
    const off = await generateWithPruning(loaded, { image, prompt: PROMPT, maxNewTokens: T, pruning: false });
    expect(off.tokenIds).toEqual(ref.tokens);
    const k2 = await generateWithPruning(loaded, { image, prompt: PROMPT, maxNewTokens: T, pruning: { layer: 2, keep: N } });
    expect(k2.tokenIds).toEqual(ref.tokens);
  });
});

describe('budgets, callbacks and the pruning layer', () => {
  it('ratio rounds half up on the ratio as written (1/128 of 576 = 4.5 → 5), keep above N keeps all, at K = 0 and K = 2', async () => {
    for (const layer of [0, 2]) {
      const half = await generateWithPruning(loaded, { image, prompt: PROMPT, maxNewTokens: 1, pruning: { layer, ratio: 0.0078125 } });
      expect(half.visualTokens).toEqual({ before: N, after: 5 });
      expect(half.prefillTokens).toBe(rows.length - N + 5);
      const over = await generateWithPruning(loaded, { image, prompt: PROMPT, maxNewTokens: 1, pruning: { layer, keep: N + 1 } });
      expect(over.report.images[0].kept).toEqual([...Array(N).keys()]);
    }
  });

  it.each([0, 2])('layer %i: onPrefill gets the prefill report before the first token is decoded', async (layer) => {
    const events: string[] = [];
    await generateWithPruning(loaded, {
      image,
      prompt: PROMPT,
      maxNewTokens: 2,
      onToken: () => events.push('token'),
      pruning: { layer, keep: 8, onPrefill: (r) => events.push(`prefill ${r.layer} ${r.prefillTokens}`) },
    });
    expect(events).toEqual([`prefill ${layer} ${rows.length - N + 8}`, 'token', 'token']);
  });

  it('layer K = 2: a generation stopped by onToken after its prefill still reported the prefill, and ran no further decode step', async () => {
    let prefills = 0;
    let tokens = 0;
    const stop = await caught(() =>
      generateWithPruning(loaded, {
        image,
        prompt: PROMPT,
        maxNewTokens: 8,
        onToken: () => {
          if (++tokens === 1) throw new InvalidArgumentError('client', 'the client went away');
        },
        pruning: { layer: 2, keep: 8, onPrefill: () => prefills++ },
      }),
    );
    expect(stop).toMatchObject({ field: 'client' });
    expect([prefills, tokens]).toEqual([1, 1]);
  });

  it('layer null is INVALID_ARGUMENT layer, not pre-LLM pruning (layer 0)', async () => {
    expect(await caught(() => resolvePruningOptions({ keep: 8, layer: null } as unknown as PruningOptions))).toMatchObject({ code: 'INVALID_ARGUMENT', field: 'layer' });
    expect(await caught(() => generateWithPruning(loaded, { image, prompt: PROMPT, maxNewTokens: 1, pruning: { keep: 8, layer: null as unknown as number } }))).toMatchObject({ code: 'INVALID_ARGUMENT', field: 'layer' });
    expect(resolvePruningOptions({ keep: 8 }).layer).toBe(0);
  });
});
