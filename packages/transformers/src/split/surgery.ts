import { InvalidArgumentError, assertInteger } from '@d2pruner/core';
import type { onnx } from 'onnx-proto';
import { UnsplittableGraphError } from './errors.js';
import { checkResidualShape, findAttention, findResidual, layerCount, stages } from './find.js';
import { GraphIndex, type NodeProto } from './graph.js';
import { SPLIT_NAMES, pastOf, presentOf } from './names.js';

const CONTROL_FLOW = new Set(['If', 'Loop', 'Scan']);

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
