import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { SPLIT_NAMES, writeTinyModel } from '../src/index.js';

type T = typeof import('@huggingface/transformers');
type Out = Record<string, { dims: number[]; data: Float32Array }>;
type Session = { run(feeds: Record<string, unknown>): Promise<Out>; inputNames: string[]; outputNames: string[] };
type SessionClass = { create(path: string): Promise<Session> };

const HIDDEN = 32;
const HEADS = 4;
const HD = HIDDEN / HEADS;
const LAYERS = 4;
const K = 2;
let t: T;
let dir: string;
let merged: Session;
let partA: Session;
let partB: Session;
let V: number;

beforeAll(async () => {
  dir = join(mkdtempSync(join(tmpdir(), 'tiny-model-split-')), 'model');
  const summary = await writeTinyModel(dir, { seed: 5, hidden: HIDDEN, heads: HEADS, layers: LAYERS }, { splitLayers: [K, 1] });
  expect(summary.splits).toEqual({ 1: 'split-k1', 2: 'split-k2' });
  t = await import('@huggingface/transformers');
  t.env.allowRemoteModels = false;
  t.env.localModelPath = dirname(dir) + '/';
  const model = (await t.AutoModelForImageTextToText.from_pretrained(basename(dir), { device: 'cpu' })) as unknown as { sessions: Record<string, Session> };
  merged = model.sessions.decoder_model_merged;
  const Cls = Object.getPrototypeOf(merged).constructor as SessionClass;
  partA = await Cls.create(join(dir, 'split-k2', 'part_a.onnx'));
  partB = await Cls.create(join(dir, 'split-k2', 'part_b.onnx'));
  V = (JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8')) as { text_config: { vocab_size: number } }).text_config.vocab_size;
});

const f32 = (data: Float32Array, dims: number[]) => new t.Tensor('float32', data, dims).ort_tensor;
const i64 = (values: number[]) => new t.Tensor('int64', BigInt64Array.from(values, BigInt), [1, values.length]).ort_tensor;
const range = (a: number, b: number) => Array.from({ length: b - a }, (_, i) => a + i);
/** A deterministic embedding of token `id` (the decoder only sees embeddings). */
const embed = (ids: number[]) => Float32Array.from({ length: ids.length * HIDDEN }, (_, i) => Math.sin((ids[Math.floor(i / HIDDEN)] + 1) * 0.731 + (i % HIDDEN) * 0.37));

async function step(session: Session, first: string, x: Float32Array, positions: number[], maskLength: number, layers: number[], past: Out | null): Promise<Out> {
  const feeds: Record<string, unknown> = {
    [first]: f32(x, [1, positions.length, HIDDEN]),
    position_ids: i64(positions),
    attention_mask: i64(Array(maskLength).fill(1)),
  };
  for (const l of layers) {
    for (const kv of ['key', 'value']) feeds[`past_key_values.${l}.${kv}`] = past ? past[`present.${l}.${kv}`] : f32(new Float32Array(0), [1, HEADS, 0, HD]);
  }
  return session.run(feeds);
}

const lastRow = (o: Out) => o.logits.data.subarray((o.logits.dims[1] - 1) * V, o.logits.dims[1] * V);
const argmax = (row: Float32Array) => row.reduce((best, v, i) => (v > row[best] ? i : best), 0);
const maxDiff = (a: Float32Array, b: Float32Array) => a.reduce((m, v, i) => Math.max(m, Math.abs(v - b[i])), 0);

describe('split decoder pair (K = 2 of 4 layers)', () => {
  it('declares the interface: part A ends in the residual stream and layer K−1 attention, part B starts from it', () => {
    expect(partA.inputNames).toEqual(['inputs_embeds', 'attention_mask', 'position_ids', 'past_key_values.0.key', 'past_key_values.0.value', 'past_key_values.1.key', 'past_key_values.1.value']);
    expect(partA.outputNames).toEqual([SPLIT_NAMES.hidden, SPLIT_NAMES.query, SPLIT_NAMES.lastAttention, 'present.0.key', 'present.0.value', 'present.1.key', 'present.1.value']);
    expect(partB.inputNames).toEqual([SPLIT_NAMES.hidden, 'attention_mask', 'position_ids', 'past_key_values.2.key', 'past_key_values.2.value', 'past_key_values.3.key', 'past_key_values.3.value']);
    expect(partB.outputNames).toEqual(['logits', 'present.2.key', 'present.2.value', 'present.3.key', 'present.3.value']);
  });

  it('split run = merged run: prefill logits within 1e-5 and identical greedy tokens over 8 decode steps', async () => {
    const prompt = [1, 40, 41, 42, 7, 8, 9, 10, 11, 12, 50, 51, 60];
    const S = prompt.length;
    let m = await step(merged, 'inputs_embeds', embed(prompt), range(0, S), S, range(0, LAYERS), null);
    let a = await step(partA, 'inputs_embeds', embed(prompt), range(0, S), S, [0, 1], null);
    let b = await step(partB, SPLIT_NAMES.hidden, a[SPLIT_NAMES.hidden].data, range(0, S), S, [2, 3], null);
    expect(b.logits.dims).toEqual([1, S, V]);
    expect(maxDiff(b.logits.data, m.logits.data)).toBeLessThan(1e-5);
    for (const l of [0, 1]) expect(maxDiff(a[`present.${l}.key`].data, m[`present.${l}.key`].data)).toBeLessThan(1e-6);
    const mergedIds: number[] = [];
    const splitIds: number[] = [];
    for (let i = 0; i < 8; i++) {
      const nm = argmax(lastRow(m));
      const ns = argmax(lastRow(b));
      mergedIds.push(nm);
      splitIds.push(ns);
      const p = S + i;
      m = await step(merged, 'inputs_embeds', embed([nm]), [p], p + 1, range(0, LAYERS), m);
      a = await step(partA, 'inputs_embeds', embed([ns]), [p], p + 1, [0, 1], a);
      b = await step(partB, SPLIT_NAMES.hidden, a[SPLIT_NAMES.hidden].data, [p], p + 1, [2, 3], b);
      expect(maxDiff(lastRow(b), lastRow(m))).toBeLessThan(1e-5);
    }
    expect(splitIds).toEqual(mergedIds);
    expect(new Set(mergedIds).size).toBeGreaterThan(1);
  });

  it('last_token_attention is softmax(q_last · Kᵀ / √hd) of layer K−1, mean over heads (recomputed from attention_query and present.1.key)', async () => {
    const S = 9;
    const a = await step(partA, 'inputs_embeds', embed(range(3, 3 + S)), range(0, S), S, [0, 1], null);
    const q = a[SPLIT_NAMES.query];
    const k = a['present.1.key'];
    expect(q.dims).toEqual([1, HEADS, S, HD]);
    const expected = new Float64Array(S);
    for (let h = 0; h < HEADS; h++) {
      const logits = range(0, S).map((j) => {
        let dot = 0;
        for (let e = 0; e < HD; e++) dot += q.data[(h * S + S - 1) * HD + e] * k.data[(h * S + j) * HD + e];
        return dot / Math.sqrt(HD);
      });
      const mx = Math.max(...logits);
      const ex = logits.map((v) => Math.exp(v - mx));
      const sum = ex.reduce((x, y) => x + y, 0);
      ex.forEach((v, j) => (expected[j] += v / sum / HEADS));
    }
    const got = a[SPLIT_NAMES.lastAttention];
    expect(got.dims).toEqual([1, S]);
    got.data.forEach((v, j) => expect(v).toBeCloseTo(expected[j], 6));
  });

  it('part B with original position ids and a pruned sequence differs from re-indexed positions (positions matter)', async () => {
    const S = 10;
    const a = await step(partA, 'inputs_embeds', embed(range(20, 20 + S)), range(0, S), S, [0, 1], null);
    const keep = [0, 1, 5, 8, 9];
    const h = a[SPLIT_NAMES.hidden].data;
    const rows = Float32Array.from(keep.flatMap((r) => Array.from(h.subarray(r * HIDDEN, (r + 1) * HIDDEN))));
    const original = await step(partB, SPLIT_NAMES.hidden, rows, keep, keep.length, [2, 3], null);
    const reindexed = await step(partB, SPLIT_NAMES.hidden, rows, range(0, keep.length), keep.length, [2, 3], null);
    expect(original.logits.dims).toEqual([1, keep.length, V]);
    expect(original['present.2.key'].dims).toEqual([1, HEADS, keep.length, HD]);
    expect(maxDiff(lastRow(original), lastRow(reindexed))).toBeGreaterThan(1e-4);
  });

  it('rejects split layers outside [1, L−1] with a typed error', async () => {
    await expect(writeTinyModel(join(dirname(dir), 'bad'), { layers: 2 }, { splitLayers: [2] })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT', field: 'splitLayers' });
    await expect(writeTinyModel(join(dirname(dir), 'bad'), { layers: 2 }, { splitLayers: [0] })).rejects.toMatchObject({ field: 'splitLayers' });
  });
});
