import { InvalidArgumentError, assertInteger } from '@d2pruner/core';
import type { onnx } from 'onnx-proto';
import { UnsplittableGraphError } from './errors.js';
import { GraphIndex, type NodeProto } from './graph.js';
import { SPLIT_NAMES, pastOf, presentOf } from './names.js';

/** Fused attention ops (ONNX and ONNX Runtime contrib) that compute softmax(q·kᵀ) internally, hiding the query and probabilities. */
export const FUSED_ATTENTION_OPS: ReadonlySet<string> = new Set([
  'Attention',
  'MultiHeadAttention',
  'GroupQueryAttention',
  'PackedAttention',
  'PackedMultiHeadAttention',
  'DecoderMaskedMultiHeadAttention',
  'DecoderMaskedSelfAttention',
  'SparseAttention',
  'PagedAttention',
  'LongformerAttention',
  'QAttention',
]);

const CONTROL_FLOW = new Set(['If', 'Loop', 'Scan']);
/** Element-wise steps between the scores MatMul and the Softmax (scale, mask, soft-cap, casts). */
const SCORE_STEPS = new Set(['Add', 'Sub', 'Mul', 'Div', 'Where', 'Cast', 'Clip', 'Tanh', 'Min', 'Max', 'Identity']);
/** Steps between the key cache output and the scores MatMul's second input (transpose, GQA repeat, scaling). */
const KEY_STEPS = new Set(['Transpose', 'Reshape', 'Expand', 'Unsqueeze', 'Squeeze', 'Identity', 'Tile', 'Cast', 'Mul', 'Div']);

/** Where the cut was made: the tensors part A exposes. */
export interface SplitPoints {
  /** K. */
  layer: number;
  /** L. */
  layers: number;
  /** The residual-stream tensor after layer K−1 (becomes `hidden_states`). */
  residual: string;
  /** Layer K−1's query as its scores MatMul reads it. */
  query: string;
  /** Layer K−1's attention probabilities (Softmax output). */
  probabilities: string;
  /** The scores MatMul node of layer K−1. */
  scoresNode: string;
}

/** The two graphs of a split decoder. */
export interface SplitGraphs {
  /** Layers 0…K−1. */
  partA: onnx.IModelProto;
  /** Layers K…L−1. */
  partB: onnx.IModelProto;
  /** What was cut. */
  points: SplitPoints;
}

function opsetOf(model: onnx.IModelProto): number {
  const entry = (model.opsetImport ?? []).find((o) => !o.domain || o.domain === 'ai.onnx');
  return Number(entry?.version ?? 0);
}

function layerCount(index: GraphIndex): number {
  const layers = index.layer.filter((l): l is number => l !== null);
  if (layers.length === 0) {
    throw new UnsplittableGraphError('layer-naming', "no node is named by layer (optimum-style '/model/layers.{l}/…'); cannot tell where a layer ends");
  }
  const L = Math.max(...layers) + 1;
  const seen = new Set(layers);
  for (let l = 0; l < L; l++) if (!seen.has(l)) throw new UnsplittableGraphError('layer-naming', `nodes name layers up to ${L - 1} but none names layer ${l}`);
  return L;
}

/** Stage of each node: its layer, −1 for nodes outside the layers that feed a layer (prelude), L for the rest (final norm, LM head). */
function stages(index: GraphIndex, L: number): number[] {
  const prelude = new Set<number>();
  const stack: number[] = [];
  index.nodes.forEach((_, i) => index.layer[i] !== null && stack.push(i));
  while (stack.length) {
    const i = stack.pop() as number;
    for (const v of index.nodes[i].input ?? []) {
      const p = index.producer.get(v);
      if (p === undefined || index.layer[p] !== null || prelude.has(p)) continue;
      prelude.add(p);
      stack.push(p);
    }
  }
  return index.nodes.map((_, i) => index.layer[i] ?? (prelude.has(i) ? -1 : L));
}

function findResidual(index: GraphIndex, stage: number[], dep: Set<string>, K: number): string {
  const crossing = new Set<string>();
  index.nodes.forEach((n, i) => {
    if (stage[i] >= K) return;
    for (const o of n.output ?? []) {
      if (!o || !dep.has(o) || presentOf(o)) continue;
      if ((index.consumers.get(o) ?? []).some((c) => stage[c] >= K)) crossing.add(o);
    }
  });
  const found = [...crossing];
  if (found.length !== 1) {
    throw new UnsplittableGraphError(
      'residual',
      found.length === 0
        ? `no tensor computed from inputs_embeds flows from layers < ${K} into layer ${K}`
        : `${found.length} tensors computed from inputs_embeds flow from layers < ${K} into layers ≥ ${K} (${found.slice(0, 4).join(', ')}); only a single residual stream can be cut (a fused skip-LayerNorm across the boundary cannot)`,
    );
  }
  const p = index.producer.get(found[0]) as number;
  if (index.layer[p] !== K - 1) throw new UnsplittableGraphError('residual', `the tensor crossing into layer ${K} (${found[0]}) is produced by node ${index.nodes[p].name}, not by layer ${K - 1}`);
  return found[0];
}

function checkResidualShape(graph: onnx.IGraphProto, residual: string): void {
  const info = (graph.valueInfo ?? []).find((v) => v.name === residual);
  const dims = info?.type?.tensorType?.shape?.dim;
  const embeds = (graph.input ?? []).find((v) => v.name === 'inputs_embeds')?.type?.tensorType?.shape?.dim;
  if (!dims || !embeds) return;
  const width = (d: onnx.TensorShapeProto.IDimension | undefined) => (d?.dimValue !== undefined && d.dimValue !== null ? Number(d.dimValue) : null);
  if (dims.length !== 3 || (width(dims[2]) !== null && width(embeds[2]) !== null && width(dims[2]) !== width(embeds[2]))) {
    throw new UnsplittableGraphError('residual', `the tensor crossing into the next layer (${residual}) has shape [${dims.map((d) => d.dimParam ?? String(d.dimValue)).join(', ')}], not [batch, sequence, hidden]`);
  }
}

function findAttention(index: GraphIndex, dep: Set<string>, K: number): { query: string; probabilities: string; scoresNode: string } {
  const inLayer = index.nodes.map((n, i) => ({ n, i })).filter(({ i }) => index.layer[i] === K - 1);
  const fused = inLayer.find(({ n }) => FUSED_ATTENTION_OPS.has(n.opType ?? ''));
  if (fused) {
    throw new UnsplittableGraphError('fused-attention', `layer ${K - 1} computes attention in the fused op ${fused.n.domain ? fused.n.domain + '.' : ''}${fused.n.opType} (node ${fused.n.name}), which hides the query and the probabilities; export the decoder without attention fusion`);
  }
  const softmax = inLayer.filter(({ n }) => n.opType === 'Softmax');
  if (softmax.length !== 1) throw new UnsplittableGraphError('attention', `layer ${K - 1} has ${softmax.length} Softmax nodes; expected exactly one (its self-attention)`);
  const probabilities = softmax[0].n.output?.[0] as string;
  let frontier = [softmax[0].n.input?.[0] as string];
  for (let hop = 0; hop < 8 && frontier.length; hop++) {
    const next: string[] = [];
    for (const v of frontier) {
      const p = index.producer.get(v);
      if (p === undefined) continue;
      const node = index.nodes[p];
      const ins = (node.input ?? []).filter((x) => x && dep.has(x));
      if (node.opType === 'MatMul' && ins.length === 2) {
        checkKeys(index, node, K);
        return { query: node.input?.[0] as string, probabilities, scoresNode: node.name ?? '' };
      }
      if (SCORE_STEPS.has(node.opType ?? '')) next.push(...ins);
    }
    frontier = next;
  }
  throw new UnsplittableGraphError('attention', `no query · keyᵀ MatMul found before layer ${K - 1}'s Softmax (${softmax[0].n.name})`);
}

function checkKeys(index: GraphIndex, scores: NodeProto, K: number): void {
  const target = `present.${K - 1}.key`;
  let v = scores.input?.[1] as string;
  for (let hop = 0; hop < 12; hop++) {
    if (v === target) return;
    const p = index.producer.get(v);
    if (p === undefined || !KEY_STEPS.has(index.nodes[p].opType ?? '')) break;
    v = index.nodes[p].input?.[0] as string;
  }
  throw new UnsplittableGraphError('attention', `the keys of layer ${K - 1}'s scores MatMul (${scores.name}) do not come from ${target}`);
}

function i64Tensor(name: string, values: number[]): onnx.ITensorProto {
  const data = BigInt64Array.from(values, (x) => BigInt(x));
  return { name, dims: [values.length], dataType: 7, rawData: new Uint8Array(data.buffer) };
}

function subset(model: onnx.IModelProto, name: string, nodes: NodeProto[], inputs: onnx.IValueInfoProto[], outputs: onnx.IValueInfoProto[], extraInits: onnx.ITensorProto[] = []): onnx.IModelProto {
  const graph = model.graph as onnx.IGraphProto;
  const used = new Set(nodes.flatMap((n) => n.input ?? []));
  const produced = new Set(nodes.flatMap((n) => n.output ?? []));
  return {
    ...model,
    graph: {
      ...graph,
      name,
      node: nodes,
      input: inputs.filter((v) => used.has(v.name ?? '')),
      output: outputs,
      initializer: [...(graph.initializer ?? []).filter((t) => used.has(t.name ?? '')), ...extraInits],
      valueInfo: (graph.valueInfo ?? []).filter((v) => produced.has(v.name ?? '')),
    },
  };
}

function tensorInfo(name: string, like: onnx.IValueInfoProto | undefined, dims: (string | onnx.TensorShapeProto.IDimension | undefined)[]): onnx.IValueInfoProto {
  const elemType = like?.type?.tensorType?.elemType ?? 1;
  return { name, type: { tensorType: { elemType, shape: { dim: dims.map((d) => (typeof d === 'string' || d === undefined ? { dimParam: d ?? 'unk' } : d)) } } } };
}

/**
 * Cuts a merged decoder (the optimum / onnx-community `decoder_model_merged` layout: inputs
 * `inputs_embeds`, `attention_mask`, `position_ids`, `past_key_values.{l}.*`; outputs `logits`,
 * `present.{l}.*`; nodes named `/…/layers.{l}/…`) before layer K into part A (layers 0…K−1,
 * outputs `hidden_states`, `attention_query`, `last_token_attention`, `present.{l<K}.*`) and
 * part B (layers K…L−1, input `hidden_states` instead of `inputs_embeds`, outputs `logits`,
 * `present.{l≥K}.*`). The cut is the single tensor computed from `inputs_embeds` that flows
 * from layer K−1 into layer K (the residual stream); shape-only reads of `inputs_embeds` and
 * of the first cache in part B are rewired to `hidden_states` and to layer K's cache.
 * @throws UnsplittableGraphError with the reason when the graph cannot be cut (unnamed layers,
 *   control flow, a fused attention op in layer K−1, no single residual stream, no visible
 *   query · keyᵀ); InvalidArgumentError `layer` when K ∉ [1, L−1]
 */
export function splitDecoderGraph(model: onnx.IModelProto, K: number): SplitGraphs {
  assertInteger('layer', K, 1);
  const graph = model.graph;
  if (!graph) throw new UnsplittableGraphError('inputs', 'the model has no graph');
  const index = new GraphIndex(graph);
  const flow = index.nodes.find((n) => CONTROL_FLOW.has(n.opType ?? ''));
  if (flow) throw new UnsplittableGraphError('control-flow', `node ${flow.name} is a ${flow.opType} (e.g. a use_cache_branch merge); export a decoder without control flow`);
  if (!index.inputs.has('inputs_embeds')) throw new UnsplittableGraphError('inputs', 'the decoder has no inputs_embeds input (LLaVA-family exports embed tokens in a separate graph)');
  for (const name of Object.values(SPLIT_NAMES)) {
    if (index.producer.has(name) || index.inputs.has(name)) throw new UnsplittableGraphError('inputs', `the decoder already has a value named ${name}`);
  }
  const L = layerCount(index);
  if (K > L - 1) throw new InvalidArgumentError('layer', `the decoder has ${L} layers; the split layer must be in [1, ${L - 1}], got ${K}`);
  const stage = stages(index, L);
  const dep = index.dataDependents('inputs_embeds');
  const residual = findResidual(index, stage, dep, K);
  checkResidualShape(graph, residual);
  const attention = findAttention(index, dep, K);

  const outputs = graph.output ?? [];
  const presentsA = outputs.filter((o) => (presentOf(o.name ?? '')?.[0] ?? Infinity) < K);
  const outputsB = outputs.filter((o) => !presentsA.includes(o));
  const inputs = graph.input ?? [];
  const embeds = inputs.find((v) => v.name === 'inputs_embeds');
  const maskDims = inputs.find((v) => v.name === 'attention_mask')?.type?.tensorType?.shape?.dim ?? [];
  const embedDims = embeds?.type?.tensorType?.shape?.dim ?? [];
  const keyDims = presentsA.find((o) => o.name === `present.${K - 1}.key`)?.type?.tensorType?.shape?.dim ?? [];

  // Part A: everything the residual, the query, the probabilities and the early caches need.
  const nodesA = index.closure([residual, attention.query, attention.probabilities, ...presentsA.map((o) => o.name ?? '')]).map((i) => index.nodes[i]);
  const c = (s: string) => `/split/${s}`;
  const reduceAsInput = opsetOf(model) >= 18;
  const extra: NodeProto[] = [
    { opType: 'Identity', name: c('hidden/Identity'), input: [residual], output: [SPLIT_NAMES.hidden] },
    { opType: 'Identity', name: c('query/Identity'), input: [attention.query], output: [SPLIT_NAMES.query] },
    { opType: 'Slice', name: c('last/Slice'), input: [attention.probabilities, c('last_start'), c('last_end'), c('last_axis')], output: [c('last/Slice_output_0')] },
    reduceAsInput
      ? { opType: 'ReduceMean', name: c('last/ReduceMean'), input: [c('last/Slice_output_0'), c('head_axes')], output: [c('last/ReduceMean_output_0')], attribute: [{ name: 'keepdims', type: 2, i: 0 }] }
      : { opType: 'ReduceMean', name: c('last/ReduceMean'), input: [c('last/Slice_output_0')], output: [c('last/ReduceMean_output_0')], attribute: [{ name: 'axes', type: 7, ints: [1, 2] }, { name: 'keepdims', type: 2, i: 0 }] },
    { opType: 'Identity', name: c('last/Identity'), input: [c('last/ReduceMean_output_0')], output: [SPLIT_NAMES.lastAttention] },
  ];
  const initsA = [i64Tensor(c('last_start'), [-1]), i64Tensor(c('last_end'), [2 ** 62]), i64Tensor(c('last_axis'), [2]), ...(reduceAsInput ? [i64Tensor(c('head_axes'), [1, 2])] : [])];
  const outputsA = [
    tensorInfo(SPLIT_NAMES.hidden, embeds, embedDims),
    tensorInfo(SPLIT_NAMES.query, embeds, [embedDims[0], 'num_attention_heads', embedDims[1], keyDims[3] ?? 'head_dim']),
    tensorInfo(SPLIT_NAMES.lastAttention, embeds, [embedDims[0], maskDims[1] ?? 'total_sequence_length']),
    ...presentsA,
  ];
  const partA = subset(model, `${graph.name ?? 'decoder'}_part_a_k${K}`, [...nodesA, ...extra], inputs, outputsA, initsA);

  // Part B: what logits and the late caches need, from the residual on.
  const rewire = (v: string): string | null => {
    if (v === 'inputs_embeds') return SPLIT_NAMES.hidden;
    const past = pastOf(v);
    return past && past[0] < K ? `past_key_values.${K}.${past[1]}` : null;
  };
  const nodesB = index.closure(outputsB.map((o) => o.name ?? ''), new Set([residual])).map((i) => {
    const n = index.nodes[i];
    const ins = (n.input ?? []).map((v) => (v === residual ? SPLIT_NAMES.hidden : v));
    for (const v of ins) {
      if (rewire(v) === null || v === SPLIT_NAMES.hidden) continue;
      if (n.opType !== 'Shape') throw new UnsplittableGraphError('residual', `node ${n.name} (${n.opType}) of layers ≥ ${K} reads ${v}, which part B does not have`);
    }
    return { ...n, input: ins.map((v) => (v === SPLIT_NAMES.hidden ? v : (rewire(v) ?? v))) };
  });
  const inputsB = inputs.map((v) => (v.name === 'inputs_embeds' ? { ...v, name: SPLIT_NAMES.hidden } : v));
  const partB = subset(model, `${graph.name ?? 'decoder'}_part_b_k${K}`, nodesB, inputsB, outputsB);
  return { partA, partB, points: { layer: K, layers: L, residual, ...attention } };
}
