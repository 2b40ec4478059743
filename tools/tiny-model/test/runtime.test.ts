import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { IMAGE_TOKENS, buildTokenizer, testImagePng, writeTinyModel } from '../src/index.js';

type T = typeof import('@huggingface/transformers');
type Session = { run(feeds: Record<string, unknown>): Promise<Record<string, { dims: number[]; data: Float32Array }>> };

const HIDDEN = 32;
const HEADS = 2;
const LAYERS = 2;
const HD = HIDDEN / HEADS;
let t: T;
let dir: string;
let decoder: Session;
let vision: Session;

beforeAll(async () => {
  dir = join(mkdtempSync(join(tmpdir(), 'tiny-model-rt-')), 'model');
  await writeTinyModel(dir, { seed: 11, hidden: HIDDEN, heads: HEADS, layers: LAYERS });
  t = await import('@huggingface/transformers');
  t.env.allowRemoteModels = false;
  t.env.localModelPath = dirname(dir) + '/';
  const model = (await t.AutoModelForImageTextToText.from_pretrained(basename(dir), { device: 'cpu' })) as unknown as { sessions: Record<string, Session> };
  decoder = model.sessions.decoder_model_merged;
  vision = model.sessions.vision_encoder;
});

function emb(seq: number, seed: number): Float32Array {
  return Float32Array.from({ length: seq * HIDDEN }, (_, i) => Math.sin(i * 0.37 + seed));
}

/** Runs the decoder on embeddings [1, S, d] with a past of length P (from an earlier run) and returns its outputs. */
async function run(e: Float32Array, positions: number[], mask: number[], past?: Record<string, { dims: number[]; data: Float32Array }>) {
  const S = positions.length;
  const feeds: Record<string, unknown> = {
    inputs_embeds: new t.Tensor('float32', e, [1, S, HIDDEN]).ort_tensor,
    position_ids: new t.Tensor('int64', BigInt64Array.from(positions, BigInt), [1, S]).ort_tensor,
    attention_mask: new t.Tensor('int64', BigInt64Array.from(mask, BigInt), [1, mask.length]).ort_tensor,
  };
  for (let l = 0; l < LAYERS; l++) {
    for (const kv of ['key', 'value']) {
      const p = past?.[`present.${l}.${kv}`];
      feeds[`past_key_values.${l}.${kv}`] = p ? p : new t.Tensor('float32', new Float32Array(0), [1, HEADS, 0, HD]).ort_tensor;
    }
  }
  return decoder.run(feeds);
}

const lastRow = (logits: { dims: number[]; data: Float32Array }) => {
  const [, S, V] = logits.dims;
  return Array.from(logits.data.subarray((S - 1) * V, S * V));
};

describe('decoder_model_merged', () => {
  it('incremental decoding with the KV cache equals a full forward', async () => {
    const S = 9;
    const e = emb(S, 1);
    const ones = Array(S).fill(1);
    const full = await run(e, [...Array(S).keys()], ones);
    const first = await run(e.subarray(0, (S - 1) * HIDDEN), [...Array(S - 1).keys()], ones.slice(1));
    expect(first[`present.0.key`].dims).toEqual([1, HEADS, S - 1, HD]);
    const step = await run(e.subarray((S - 1) * HIDDEN), [S - 1], ones, first);
    expect(step[`present.1.value`].dims).toEqual([1, HEADS, S, HD]);
    const a = lastRow(full.logits);
    const b = lastRow(step.logits);
    a.forEach((v, i) => expect(b[i]).toBeCloseTo(v, 4));
  });

  it('is causal: later tokens do not change earlier logits', async () => {
    const S = 6;
    const e1 = emb(S, 2);
    const e2 = Float32Array.from(e1);
    e2.fill(0.5, (S - 1) * HIDDEN);
    const pos = [...Array(S).keys()];
    const o1 = await run(e1, pos, Array(S).fill(1));
    const o2 = await run(e2, pos, Array(S).fill(1));
    const V = o1.logits.dims[2];
    expect(Array.from(o1.logits.data.subarray(0, (S - 1) * V))).toEqual(Array.from(o2.logits.data.subarray(0, (S - 1) * V)));
    expect(lastRow(o1.logits)).not.toEqual(lastRow(o2.logits));
  });

  it('masked positions are ignored', async () => {
    const S = 6;
    const e1 = emb(S, 3);
    const e2 = Float32Array.from(e1);
    e2.fill(-2, 2 * HIDDEN, 3 * HIDDEN);
    const mask = [1, 1, 0, 1, 1, 1];
    const pos = [...Array(S).keys()];
    const a = lastRow((await run(e1, pos, mask)).logits);
    const b = lastRow((await run(e2, pos, mask)).logits);
    a.forEach((v, i) => expect(b[i]).toBeCloseTo(v, 5));
    const c = lastRow((await run(e2, pos, Array(S).fill(1))).logits);
    expect(c).not.toEqual(a);
  });

  it('RoPE: shifting every position by a constant leaves the logits unchanged (relative positions only)', async () => {
    const S = 7;
    const e = emb(S, 4);
    const a = lastRow((await run(e, [...Array(S).keys()], Array(S).fill(1))).logits);
    const b = lastRow((await run(e, [...Array(S).keys()].map((p) => p + 100), Array(S).fill(1))).logits);
    a.forEach((v, i) => expect(b[i]).toBeCloseTo(v, 3));
    const c = lastRow((await run(e, [0, 1, 2, 3, 4, 5, 40], Array(S).fill(1))).logits);
    expect(c.some((v, i) => Math.abs(v - a[i]) > 1e-3)).toBe(true);
  });
});

describe('vision_encoder', () => {
  it('336-px pixels → 576 features of the LLM width, plus CLS attention over the patches', async () => {
    const px = new t.Tensor('float32', Float32Array.from({ length: 2 * 3 * 336 * 336 }, (_, i) => Math.cos(i * 0.001)), [2, 3, 336, 336]);
    const out = await vision.run({ pixel_values: px.ort_tensor });
    expect(out.image_features.dims).toEqual([2, IMAGE_TOKENS, HIDDEN]);
    expect(out.cls_attention.dims).toEqual([2, IMAGE_TOKENS]);
    for (let b = 0; b < 2; b++) {
      const row = out.cls_attention.data.subarray(b * IMAGE_TOKENS, (b + 1) * IMAGE_TOKENS);
      const sum = row.reduce((a, v) => a + v, 0);
      // a softmax row over CLS + 576 patches: the patch part is positive and below 1
      expect(sum).toBeGreaterThan(0);
      expect(sum).toBeLessThan(1);
      expect(Math.min(...row)).toBeGreaterThan(0);
    }
  });
});

describe('tokenizer and processor', () => {
  it('byte-level tokens, <s> first, <image> expanded to 576 placeholders', async () => {
    const tok = buildTokenizer();
    const processor = await t.AutoProcessor.from_pretrained(basename(dir));
    const tokenizer = processor.tokenizer!;
    // every UTF-8 byte b is id b + 3 (specials 0–2 first)
    expect(Array.from(tokenizer.encode('Hi é'))).toEqual([1, 72 + 3, 105 + 3, 32 + 3, 0xc3 + 3, 0xa9 + 3]);
    expect(tokenizer.decode(tokenizer.encode('Hi é'), { skip_special_tokens: true })).toBe('Hi é');
    const png = join(dirname(dir), 'img.png');
    writeFileSync(png, testImagePng(50, 40, 3));
    const image = await t.RawImage.read(png);
    expect([image.width, image.height]).toEqual([50, 40]);
    const inputs = await processor(image, 'USER: <image>\nhi ASSISTANT:');
    const ids = Array.from(inputs.input_ids.data as BigInt64Array, Number);
    expect(ids.filter((id) => id === tok.imageId)).toHaveLength(IMAGE_TOKENS);
    expect(ids.length).toBe(1 + 'USER: '.length + IMAGE_TOKENS + '\nhi ASSISTANT:'.length);
    expect(inputs.pixel_values.dims).toEqual([1, 3, 336, 336]);
  });
});
