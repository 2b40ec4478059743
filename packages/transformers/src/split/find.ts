import type { onnx } from 'onnx-proto';
import { UnsplittableGraphError } from './errors.js';
import type { GraphIndex, NodeProto } from './graph.js';
import { presentOf } from './names.js';

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

/** Element-wise steps between the scores MatMul and the Softmax (scale, mask, soft-cap, casts). */
const SCORE_STEPS = new Set(['Add', 'Sub', 'Mul', 'Div', 'Where', 'Cast', 'Clip', 'Tanh', 'Min', 'Max', 'Identity']);
/** Steps between the key cache output and the scores MatMul's second input (transpose, GQA repeat, scaling). */
const KEY_STEPS = new Set(['Transpose', 'Reshape', 'Expand', 'Unsqueeze', 'Squeeze', 'Identity', 'Tile', 'Cast', 'Mul', 'Div']);

/** L: the number of layers named in the graph; typed errors for unnamed or missing layers. */
export function layerCount(index: GraphIndex): number {
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
export function stages(index: GraphIndex, L: number): number[] {
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

/** The single tensor computed from `inputs_embeds` that flows from layer K−1 into layer K (the residual stream). */
export function findResidual(index: GraphIndex, stage: number[], dep: Set<string>, K: number): string {
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

/** Checks the cut's recorded shape (when the graph has value_info for it) against `inputs_embeds`. */
export function checkResidualShape(graph: onnx.IGraphProto, residual: string): void {
  const info = (graph.valueInfo ?? []).find((v) => v.name === residual);
  const dims = info?.type?.tensorType?.shape?.dim;
  const embeds = (graph.input ?? []).find((v) => v.name === 'inputs_embeds')?.type?.tensorType?.shape?.dim;
  if (!dims || !embeds) return;
  const width = (d: onnx.TensorShapeProto.IDimension | undefined) => (d?.dimValue !== undefined && d.dimValue !== null ? Number(d.dimValue) : null);
  if (dims.length !== 3 || (width(dims[2]) !== null && width(embeds[2]) !== null && width(dims[2]) !== width(embeds[2]))) {
    throw new UnsplittableGraphError('residual', `the tensor crossing into the next layer (${residual}) has shape [${dims.map((d) => d.dimParam ?? String(d.dimValue)).join(', ')}], not [batch, sequence, hidden]`);
  }
}

/** Layer K−1's attention: its Softmax output and the query its `query · keyᵀ` MatMul reads; typed errors for fused or missing attention. */
export function findAttention(index: GraphIndex, dep: Set<string>, K: number): { query: string; probabilities: string; scoresNode: string } {
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

