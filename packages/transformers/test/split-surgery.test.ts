import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeTinyModel } from '@d2pruner-tools/tiny-model';
import onnxProto, { type onnx } from 'onnx-proto';
import { beforeAll, describe, expect, it } from 'vitest';
import { SPLIT_NAMES, loadLocalLlava, sessionFactoryOf, splitDecoderFiles, splitDecoderGraph, type SessionFactory, type UnsplittableGraphError } from '../src/index.js';
import { caught } from './helpers.js';

/** The decoded-model fields these tests touch (protobufjs fills them all when decoding). */
type Model = Omit<onnx.IModelProto, 'graph'> & { graph: { node: { name: string; opType: string; domain: string; input: string[]; output: string[] }[]; input: { name: string }[]; output: { name: string }[] } };
const decode = (bytes: Uint8Array) => onnxProto.onnx.ModelProto.decode(bytes) as unknown as Model;
type Out = Record<string, { dims: number[]; data: Float32Array }>;
type Session = { run(feeds: Record<string, unknown>): Promise<Out>; inputNames: string[]; outputNames: string[] };

const HIDDEN = 32;
const HEADS = 4;
const HD = HIDDEN / HEADS;
const LAYERS = 4;
let t: typeof import('@huggingface/transformers');
let factory: SessionFactory;
let dir: string;
let root: string;
let merged: Model;

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'd2pruner-split-'));
  dir = join(root, 'tiny');
  await writeTinyModel(dir, { seed: 9, hidden: HIDDEN, heads: HEADS, layers: LAYERS }, { splitLayers: [1, 2, 3] });
  const loaded = await loadLocalLlava(dir);
  t = loaded.transformers;
  factory = sessionFactoryOf(loaded.model.sessions.decoder_model_merged);
  merged = decode(readFileSync(join(dir, 'onnx/decoder_model_merged.onnx')));
});

/** Deterministic pseudo-random values in [−1, 1). */
function noise(n: number, seed: number): Float32Array {
  let s = seed >>> 0;
  return Float32Array.from({ length: n }, () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 31 - 1;
  });
}

/** Random feeds for a part's inputs: S new tokens after a cache of P, with original (gapped) positions. */
function feedsFor(session: Session, S: number, P: number, seed: number): Record<string, unknown> {
  const feeds: Record<string, unknown> = {};
  session.inputNames.forEach((name, i) => {
    if (name === 'attention_mask') feeds[name] = new t.Tensor('int64', new BigInt64Array(P + S).fill(1n), [1, P + S]).ort_tensor;
    else if (name === 'position_ids') feeds[name] = new t.Tensor('int64', BigInt64Array.from({ length: S }, (_, j) => BigInt(3 * P + 2 * j)), [1, S]).ort_tensor;
    else if (name.startsWith('past_key_values')) feeds[name] = new t.Tensor('float32', noise(HEADS * P * HD, seed + i), [1, HEADS, P, HD]).ort_tensor;
    else feeds[name] = new t.Tensor('float32', noise(S * HIDDEN, seed + i), [1, S, HIDDEN]).ort_tensor;
  });
  return feeds;
}

const maxDiff = (a: Float32Array, b: Float32Array) => a.reduce((m, v, i) => Math.max(m, Math.abs(v - b[i])), 0);

describe('split-decoder graph surgery on the tiny model’s merged export', () => {
  it.each([1, 2, 3])('K = %i: the cut pair computes what the generator’s pair computes (random inputs, prefill and cached steps, within 1e-5)', async (K) => {
    const out = join(root, `cut-k${K}`);
    const r = await splitDecoderFiles(dir, { layer: K, out });
    expect(r.points).toMatchObject({ layer: K, layers: LAYERS });
    expect(r.points.residual).toMatch(new RegExp(`^/model/layers\\.${K - 1}/`));
    expect(JSON.parse(readFileSync(join(out, 'split.json'), 'utf8'))).toEqual(JSON.parse(readFileSync(join(dir, `split-k${K}`, 'split.json'), 'utf8')));
    for (const part of ['part_a.onnx', 'part_b.onnx']) {
      const cut = (await factory.create(join(out, part))) as unknown as Session;
      const gen = (await factory.create(join(dir, `split-k${K}`, part))) as unknown as Session;
      expect(cut.inputNames).toEqual(gen.inputNames);
      expect(cut.outputNames).toEqual(gen.outputNames);
      for (const [S, P, seed] of [[7, 0, 1], [1, 9, 2], [5, 4, 3]]) {
        const feeds = feedsFor(gen, S, P, seed);
        const [a, b] = [await cut.run(feeds), await gen.run(feeds)];
        for (const name of gen.outputNames) {
          expect(a[name].dims).toEqual(b[name].dims);
          expect(maxDiff(a[name].data, b[name].data)).toBeLessThan(1e-5);
        }
      }
    }
    const a = decode(readFileSync(join(out, 'part_a.onnx')));
    expect(a.graph.output.map((o) => o.name)).toContain(SPLIT_NAMES.lastAttention);
    // part A holds only layers < K, part B only layers ≥ K
    const layersOf = (m: Model) => new Set(m.graph.node.map((n) => /layers\.(\d+)\//.exec(n.name)?.[1]).filter((x) => x !== undefined).map(Number));
    expect([...layersOf(a)].sort()).toEqual([...Array(K).keys()]);
    const b = decode(readFileSync(join(out, 'part_b.onnx')));
    expect([...layersOf(b)].sort()).toEqual([...Array(LAYERS - K).keys()].map((i) => i + K));
  });

  it('splitting an unsplit decoder at K = L or 0 is an argument error naming the layer', async () => {
    expect(await caught(() => splitDecoderGraph(merged, LAYERS))).toMatchObject({ code: 'INVALID_ARGUMENT', field: 'layer' });
    expect(await caught(() => splitDecoderGraph(merged, 0))).toMatchObject({ field: 'layer' });
  });
});

describe('graphs that cannot be split get a typed error saying why', () => {
  const clone = () => decode(onnxProto.onnx.ModelProto.encode(merged).finish());
  const reason = async (m: onnx.IModelProto, K = 2) => {
    const e = (await caught(() => splitDecoderGraph(m, K))) as UnsplittableGraphError;
    expect(e).toMatchObject({ code: 'INVALID_INPUT', field: 'model' });
    return { reason: e.reason, message: e.message };
  };

  it('a fused attention op in layer K−1 (GroupQueryAttention hides the query)', async () => {
    const m = clone();
    const softmax = m.graph.node.find((n) => n.opType === 'Softmax' && n.name.startsWith('/model/layers.1/'))!;
    softmax.opType = 'GroupQueryAttention';
    softmax.domain = 'com.microsoft';
    const r = await reason(m);
    expect(r.reason).toBe('fused-attention');
    expect(r.message).toContain('com.microsoft.GroupQueryAttention');
  });

  it('nodes without layer names', async () => {
    const m = clone();
    m.graph.node.forEach((n, i) => (n.name = `node_${i}`));
    expect((await reason(m)).reason).toBe('layer-naming');
  });

  it('a merged decoder with an If (use_cache_branch) node', async () => {
    const m = clone();
    m.graph.node.push(onnxProto.onnx.NodeProto.create({ opType: 'If', name: '/model/If', input: ['use_cache_branch'], output: ['if_out'] }));
    expect((await reason(m)).reason).toBe('control-flow');
  });

  it('a second tensor crossing the boundary (layer 2 also reads layer 0’s residual)', async () => {
    const m = clone();
    const layer0 = m.graph.node.filter((n) => n.name.startsWith('/model/layers.0/') && n.opType === 'Add').at(-1)!;
    const add2 = m.graph.node.find((n) => n.name.startsWith('/model/layers.2/') && n.opType === 'Add' && n.input[0].startsWith('/model/layers.1/'))!;
    m.graph.node.push(onnxProto.onnx.NodeProto.create({ opType: 'Add', name: '/model/layers.2/Extra', input: [add2.output[0], layer0.output[0]], output: ['/model/layers.2/Extra_output_0'] }));
    const consumers = m.graph.node.filter((n) => n.input.includes(add2.output[0]) && n.name !== '/model/layers.2/Extra');
    consumers.forEach((n) => (n.input = n.input.map((v) => (v === add2.output[0] ? '/model/layers.2/Extra_output_0' : v))));
    const r = await reason(m);
    expect(r.reason).toBe('residual');
    expect(r.message).toContain('2 tensors');
  });

  it('a residual stream whose recorded shape is not [batch, sequence, hidden]', async () => {
    const m = clone();
    const residual = splitDecoderGraph(m, 2).points.residual;
    (m.graph as unknown as { valueInfo: object[] }).valueInfo = [
      { name: residual, type: { tensorType: { elemType: 1, shape: { dim: [{ dimParam: 'batch_size' }, { dimValue: 7 }, { dimValue: 3 }, { dimValue: 5 }] } } } },
    ];
    expect((await reason(m)).reason).toBe('residual');
  });

  it('keys reached through a GQA-style repeat (Expand/Reshape) between the cache and the scores MatMul still split, and run', async () => {
    const m = clone();
    const transpose = m.graph.node.find((n) => n.opType === 'Transpose' && n.input[0] === 'present.1.key')!;
    const at = m.graph.node.indexOf(transpose);
    m.graph.node.splice(at, 0, onnxProto.onnx.NodeProto.create({ opType: 'Identity', name: '/model/layers.1/self_attn/repeat_kv/Identity', input: ['present.1.key'], output: ['/model/layers.1/self_attn/repeat_kv/Identity_output_0'] }));
    transpose.input[0] = '/model/layers.1/self_attn/repeat_kv/Identity_output_0';
    const { partA, points } = splitDecoderGraph(m, 2);
    expect(points.scoresNode).toMatch(/^\/model\/layers\.1\//);
    const path = join(root, 'gqa-part-a.onnx');
    writeFileSync(path, onnxProto.onnx.ModelProto.encode(partA).finish());
    const cut = (await factory.create(path)) as unknown as Session;
    const gen = (await factory.create(join(dir, 'split-k2', 'part_a.onnx'))) as unknown as Session;
    const feeds = feedsFor(gen, 6, 3, 7);
    const [a, b] = [await cut.run(feeds), await gen.run(feeds)];
    expect(maxDiff(a[SPLIT_NAMES.lastAttention].data, b[SPLIT_NAMES.lastAttention].data)).toBeLessThan(1e-5);
  });

  it('no Softmax in layer K−1', async () => {
    const m = clone();
    const softmax = m.graph.node.find((n) => n.opType === 'Softmax' && n.name.startsWith('/model/layers.1/'))!;
    softmax.opType = 'Sigmoid';
    expect((await reason(m)).reason).toBe('attention');
  });

  it('a decoder that embeds tokens itself (no inputs_embeds input)', async () => {
    const m = clone();
    m.graph.input[0].name = 'input_ids';
    expect((await reason(m)).reason).toBe('inputs');
  });

  it('a model directory without a merged decoder', async () => {
    expect(await caught(() => splitDecoderFiles(root, { layer: 2 }))).toMatchObject({ code: 'INVALID_INPUT', field: 'model' });
  });
});
