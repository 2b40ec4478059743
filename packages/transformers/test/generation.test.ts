import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { generateWithPruning, loadLocalLlava, withPruning, type LoadedLlava, type PrefillReport, type TensorLike } from '../src/index.js';
import { caught, tinyModelFixture } from './helpers.js';

const N = 576;
const PROMPT = 'USER: <image>\nWhat is in the picture? ASSISTANT:';
let loaded: LoadedLlava;
let image: object;
let inputs: Record<string, TensorLike>;
let S: number;

/** Greedy generation; returns the new token ids and the cache length after the last step. */
async function generate(maxNewTokens: number): Promise<{ ids: number[]; cache: number }> {
  const out = (await loaded.model.generate({ ...inputs, max_new_tokens: maxNewTokens, do_sample: false, return_dict_in_generate: true })) as {
    sequences: TensorLike;
    past_key_values: { get_seq_length(): number; dispose(): Promise<void> };
  };
  const ids = Array.from(out.sequences.data as BigInt64Array, Number).slice(S);
  const cache = out.past_key_values.get_seq_length();
  await out.past_key_values.dispose();
  return { ids, cache };
}

/** Records what the decoder session receives at each call. */
function spyDecoder(): { calls: { embeds: number[]; mask: number[]; past: number; positions: number[]; embedsData: Float32Array }[]; stop(): void } {
  const session = loaded.model.sessions.decoder_model_merged as unknown as { run: (f: Record<string, { dims: number[]; data: unknown }>) => Promise<unknown> };
  const run = session.run;
  const calls: { embeds: number[]; mask: number[]; past: number; positions: number[]; embedsData: Float32Array }[] = [];
  session.run = async (feeds) => {
    calls.push({
      embeds: [...feeds.inputs_embeds.dims],
      mask: [...feeds.attention_mask.dims],
      past: feeds['past_key_values.0.key'].dims[2],
      positions: Array.from(feeds.position_ids.data as BigInt64Array, Number),
      embedsData: Float32Array.from(feeds.inputs_embeds.data as Float32Array),
    });
    return run.call(session, feeds);
  };
  return { calls, stop: () => void (session.run = run) };
}

beforeAll(async () => {
  const fx = await tinyModelFixture({ seed: 3 });
  loaded = await loadLocalLlava(fx.dir);
  image = (await loaded.transformers.RawImage.read(fx.image)) as object;
  inputs = await loaded.processor(image, PROMPT);
  S = inputs.input_ids.dims[1];
});

describe('withPruning on a transformers.js LLaVA', () => {
  it('keeping every token gives token-for-token the unpatched output (and identical prefill logits)', async () => {
    const base = await generate(12);
    expect(base.ids).toHaveLength(12);
    const baseLogits = ((await loaded.model.forward({ ...inputs })) as { logits: TensorLike }).logits;
    const h = withPruning(loaded.model, loaded.processor, { method: 'd2pruner', keep: N });
    try {
      const same = await generate(12);
      expect(same.ids).toEqual(base.ids);
      expect(h.lastPrefill).toMatchObject({ method: 'd2pruner', visualTokens: { before: N, after: N }, prefillTokens: S });
      const logits = ((await loaded.model.forward({ ...inputs })) as { logits: TensorLike }).logits;
      expect(logits.dims).toEqual(baseLogits.dims);
      expect(Array.from(logits.data as Float32Array)).toEqual(Array.from(baseLogits.data as Float32Array));
    } finally {
      h.restore();
    }
  });

  it.each([64, 200])('pruning to %i shortens the prefill by exactly N − n and keeps the KV cache consistent', async (n) => {
    const T = 6;
    const base = await generate(T);
    expect(base.cache).toBe(S + T - 1);
    const h = withPruning(loaded.model, loaded.processor, { keep: n });
    const spy = spyDecoder();
    try {
      const pruned = await generate(T);
      expect(pruned.ids).toHaveLength(T);
      expect(base.cache - pruned.cache).toBe(N - n);
      const [prefill, ...steps] = spy.calls;
      // embeddings and mask shrink together; positions are re-indexed 0…S'−1
      expect(prefill.embeds).toEqual([1, S - (N - n), (loaded.model.config.text_config as { hidden_size: number }).hidden_size]);
      expect(prefill.mask).toEqual([1, S - (N - n)]);
      expect(prefill.past).toBe(0);
      expect(prefill.positions).toEqual([...Array(S - (N - n)).keys()]);
      // every decode step: mask = cache + 1, position = cache length
      expect(steps).toHaveLength(T - 1);
      steps.forEach((c, i) => {
        expect(c.past).toBe(S - (N - n) + i);
        expect(c.mask).toEqual([1, c.past + 1]);
        expect(c.positions).toEqual([c.past]);
      });
      expect(h.lastPrefill?.prefillTokens).toBe(S - (N - n));
    } finally {
      spy.stop();
      h.restore();
    }
  });

  it('the pruned prefill holds exactly the text embeddings and the kept image features, in order', async () => {
    const ids = Array.from(inputs.input_ids.data as BigInt64Array, Number);
    const imageId = loaded.model.config.image_token_index as number;
    const text = await loaded.model.encode_text({ input_ids: inputs.input_ids });
    const feats = await loaded.model.encode_image({ pixel_values: inputs.pixel_values });
    const d = text.dims[2];
    let report: PrefillReport | undefined;
    const h = withPruning(loaded.model, loaded.processor, { keep: 50, onPrefill: (r) => (report = r) });
    const spy = spyDecoder();
    try {
      await generate(1);
    } finally {
      spy.stop();
      h.restore();
    }
    const kept = report!.images[0].kept;
    expect(kept).toHaveLength(50);
    const start = ids.indexOf(imageId);
    const expected: Float32Array[] = [];
    for (let p = 0; p < S; p++) {
      if (ids[p] !== imageId) expected.push((text.data as Float32Array).subarray(p * d, (p + 1) * d));
      else if (kept.includes(p - start)) expected.push((feats.data as Float32Array).subarray((p - start) * d, (p - start + 1) * d));
    }
    expect(spy.calls[0].embedsData).toEqual(Float32Array.from(expected.flatMap((r) => Array.from(r))));
  });

  it('pruning changes what the model sees: the last prefill logits differ from the unpruned ones', async () => {
    const lastRow = (l: TensorLike) => Array.from((l.data as Float32Array).subarray((l.dims[1] - 1) * l.dims[2], l.dims[1] * l.dims[2]));
    const full = ((await loaded.model.forward({ ...inputs })) as { logits: TensorLike }).logits;
    const h = withPruning(loaded.model, loaded.processor, { keep: 8 });
    try {
      const pruned = ((await loaded.model.forward({ ...inputs })) as { logits: TensorLike }).logits;
      expect(pruned.dims).toEqual([1, S - N + 8, full.dims[2]]);
      expect(lastRow(pruned)).not.toEqual(lastRow(full));
    } finally {
      h.restore();
    }
  });

  it('keep 0 drops every visual token and generation still completes', async () => {
    const r = await generateWithPruning(loaded, { image, prompt: PROMPT, maxNewTokens: 3, pruning: { keep: 0 } });
    expect(r.visualTokens).toEqual({ before: N, after: 0 });
    expect(r.prefillTokens).toBe(S - N);
    expect(r.tokenIds).toHaveLength(3);
  });

  it('importance sources: a caller vector ranks FastV exactly; CLS attention and ratio work', async () => {
    const rising = Float32Array.from({ length: N }, (_, i) => i);
    const a = await generateWithPruning(loaded, { image, prompt: PROMPT, maxNewTokens: 1, pruning: { method: 'fastv', keep: 10, importance: rising } });
    expect(a.report.images[0].kept).toEqual([566, 567, 568, 569, 570, 571, 572, 573, 574, 575]);
    expect(a.report.images[0].importance).toBe('vector');
    const f = await generateWithPruning(loaded, { image, prompt: PROMPT, maxNewTokens: 1, pruning: { method: 'fastv', keep: 3, importance: () => Float32Array.from({ length: N }, (_, i) => (i === 7 || i === 70 || i === 300 ? 2 : 1)) } });
    expect(f.report.images[0].kept).toEqual([7, 70, 300]);
    const cls = await generateWithPruning(loaded, { image, prompt: PROMPT, maxNewTokens: 1, pruning: { method: 'vispruner', keep: 32, importance: 'cls' } });
    expect(cls.report.images[0]).toMatchObject({ after: 32, importance: 'cls' });
    const r = await generateWithPruning(loaded, { image, prompt: PROMPT, maxNewTokens: 1, pruning: { ratio: 0.25 } });
    expect(r.visualTokens.after).toBe(144);
  });

  it("layout 'grid' lays a square token count out as a square grid when the adapter does not fit", async () => {
    const r = await generateWithPruning(loaded, { image, prompt: PROMPT, maxNewTokens: 1, pruning: { keep: 20, adapter: 'llava-next-7b', layout: 'grid' } });
    expect(r.visualTokens.after).toBe(20);
    const own = await generateWithPruning(loaded, { image, prompt: PROMPT, maxNewTokens: 1, pruning: { keep: 20 } });
    // the llava-1.5 layout is the same 24×24 grid, so the selection is the same
    expect(r.report.images[0].kept).toEqual(own.report.images[0].kept);
  });

  it('restore() leaves the model as it was', async () => {
    const before = await generate(4);
    const h = withPruning(loaded.model, loaded.processor, { keep: 16 });
    h.restore();
    expect(Object.prototype.hasOwnProperty.call(loaded.model, 'forward')).toBe(false);
    expect((await generate(4)).ids).toEqual(before.ids);
    expect(h.lastPrefill).toBeUndefined();
  });
});

describe('typed errors', () => {
  it('a model that is not LLaVA-family', async () => {
    const e = await caught(() => withPruning({ config: { model_type: 'qwen2_vl' } }, null, { keep: 4 }));
    expect(e).toMatchObject({ code: 'INVALID_ARGUMENT', field: 'model' });
    expect(e.message).toContain("'qwen2_vl'");
    expect(e.message).toContain('llava');
    expect(await caught(() => withPruning({}, null, { keep: 4 }))).toMatchObject({ field: 'model' });
    expect(await caught(() => withPruning({ config: { model_type: 'llava' }, forward() {} }, null, { keep: 4 }))).toMatchObject({ field: 'model' });
  });
  it('bad options fail before any inference, naming the option', async () => {
    expect(await caught(() => withPruning(loaded.model, null, { keep: 4, ratio: 0.5 }))).toMatchObject({ code: 'INVALID_ARGUMENT', field: 'keep' });
    expect(await caught(() => withPruning(loaded.model, null, {}))).toMatchObject({ field: 'keep' });
    expect(await caught(() => withPruning(loaded.model, null, { keep: -1 }))).toMatchObject({ field: 'keep' });
    expect(await caught(() => withPruning(loaded.model, null, { ratio: 2 }))).toMatchObject({ field: 'ratio' });
    expect(await caught(() => withPruning(loaded.model, null, { keep: 4, method: 'nope' }))).toMatchObject({ code: 'UNKNOWN_NAME', field: 'method' });
    expect(await caught(() => withPruning(loaded.model, null, { keep: 4, importance: 'attention' as 'cls' }))).toMatchObject({ field: 'importance' });
    expect(await caught(() => withPruning(loaded.model, null, { keep: 4, adapter: 'gpt-9' }))).toMatchObject({ code: 'UNKNOWN_NAME', field: 'adapter' });
    expect(await caught(() => withPruning(loaded.model, null, { keep: 4, layout: 'rows' as 'grid' }))).toMatchObject({ code: 'INVALID_ARGUMENT', field: 'layout' });
    expect(Object.prototype.hasOwnProperty.call(loaded.model, 'forward')).toBe(false);
  });
  it('double patching is refused', async () => {
    const h = withPruning(loaded.model, null, { keep: 4 });
    try {
      expect(await caught(() => withPruning(loaded.model, null, { keep: 4 }))).toMatchObject({ field: 'model' });
    } finally {
      h.restore();
    }
  });
  it('errors at prefill surface from generate: a method needing keys, a layout that does not fit', async () => {
    expect(await caught(() => generateWithPruning(loaded, { image, prompt: PROMPT, maxNewTokens: 1, pruning: { method: 'dart', keep: 8 } }))).toMatchObject({ code: 'MISSING_TENSOR', field: 'keys' });
    expect(await caught(() => generateWithPruning(loaded, { image, prompt: PROMPT, maxNewTokens: 1, pruning: { keep: 8, adapter: 'llava-next-7b' } }))).toMatchObject({ code: 'SHAPE_MISMATCH', field: 'layout' });
    expect(await caught(() => generateWithPruning(loaded, { image, prompt: PROMPT, maxNewTokens: 1, pruning: { keep: 8, importance: [1, 2] } }))).toMatchObject({ code: 'SHAPE_MISMATCH', field: 'importance' });
    const small = { frames: [{ rows: 2, cols: 2 }], frame: new Int32Array(4), row: Int32Array.of(0, 0, 1, 1), col: Int32Array.of(0, 1, 0, 1) };
    expect(await caught(() => generateWithPruning(loaded, { image, prompt: PROMPT, maxNewTokens: 1, pruning: { keep: 8, layout: small } }))).toMatchObject({ code: 'SHAPE_MISMATCH', field: 'layout' });
    expect(Object.prototype.hasOwnProperty.call(loaded.model, 'forward')).toBe(false);
  });
  it('a model directory of another type is refused before loading', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'd2pruner-bert-'));
    writeFileSync(join(dir, 'config.json'), JSON.stringify({ model_type: 'bert' }));
    const e = await caught(() => loadLocalLlava(dir));
    expect(e).toMatchObject({ code: 'INVALID_ARGUMENT', field: 'model' });
    expect(e.message).toContain("'bert'");
  });
  it('images and directories that are missing', async () => {
    expect(await caught(() => generateWithPruning(loaded, { image: '/nonexistent.png', prompt: 'x', pruning: false }))).toMatchObject({ code: 'INVALID_INPUT', field: 'image' });
    expect(await caught(() => loadLocalLlava('/nonexistent-model-dir'))).toMatchObject({ code: 'INVALID_INPUT', field: 'model' });
  });
});
