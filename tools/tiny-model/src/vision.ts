import { attentionProbs, gelu, layerNorm, linear, mergeHeads, quickGelu, randomWeight, splitHeads, type WeightSource } from './layers.js';
import { ElemType, GraphBuilder, int, ints } from './onnx.js';
import { IMAGE_SIZE, IMAGE_TOKENS, PATCH_SIZE, type TinyModelConfig } from './options.js';

/** Output name of the vision encoder's CLS → patch attention (head mean, feature layer). */
export const CLS_ATTENTION_OUTPUT = 'cls_attention';

/**
 * `onnx/vision_encoder.onnx`: a CLIP-style ViT plus LLaVA's `mlp2x_gelu` projector.
 * `pixel_values` [B, 3, 336, 336] → patch conv (14, stride 14) → CLS + 576 patches + positions →
 * pre-LayerNorm → `visionLayers` pre-norm transformer layers → drop CLS → Linear, GELU, Linear →
 * `image_features` [B, 576, hidden]. Also exports `cls_attention` [B, 576]: the CLS row of the
 * feature layer's attention, averaged over heads (what VisPruner reads, docs/models.md §1.7).
 */
export function buildVisionEncoder(c: TinyModelConfig): Uint8Array {
  const g = new GraphBuilder('vision_encoder');
  const src: WeightSource = { seed: c.seed, prefix: 'vision' };
  const D = c.visionHidden;
  const H = c.visionHeads;
  const hd = D / H;
  const px = g.input('pixel_values', ElemType.FLOAT, ['batch_size', 3, IMAGE_SIZE, IMAGE_SIZE]);

  const convW = randomWeight(g, src, 'patch_embedding.weight', [D, 3, PATCH_SIZE, PATCH_SIZE], 1 / Math.sqrt(3 * PATCH_SIZE * PATCH_SIZE));
  const conv = g.op('Conv', [px, convW], { kernel_shape: ints([PATCH_SIZE, PATCH_SIZE]), strides: ints([PATCH_SIZE, PATCH_SIZE]) });
  const patches = g.op('Transpose', [g.op('Reshape', [conv, g.i64([0, D, IMAGE_TOKENS])])], { perm: ints([0, 2, 1]) });
  const batch = g.op('Shape', [px], { start: int(0), end: int(1) });
  const clsShape = g.op('Concat', [batch, g.i64([1, D])], { axis: int(0) });
  const cls = g.op('Expand', [randomWeight(g, src, 'class_embedding', [1, 1, D], 0.5), clsShape]);
  const tokens = g.op('Concat', [cls, patches], { axis: int(1) });
  let x = g.op('Add', [tokens, randomWeight(g, src, 'position_embedding', [1, IMAGE_TOKENS + 1, D], 0.5)]);
  x = layerNorm(g, src, 'pre_layrnorm', x, D);

  let clsAttention = '';
  for (let l = 0; l < c.visionLayers; l++) {
    const p = `layers.${l}`;
    const h = layerNorm(g, src, `${p}.layer_norm1`, x, D);
    const q = splitHeads(g, linear(g, src, `${p}.q_proj`, h, D, D, true), H, hd);
    const k = splitHeads(g, linear(g, src, `${p}.k_proj`, h, D, D, true), H, hd);
    const v = splitHeads(g, linear(g, src, `${p}.v_proj`, h, D, D, true), H, hd);
    const probs = attentionProbs(g, q, k, hd);
    const o = mergeHeads(g, g.op('MatMul', [probs, v]), H, hd);
    x = g.op('Add', [x, linear(g, src, `${p}.out_proj`, o, D, D, true)]);
    const h2 = layerNorm(g, src, `${p}.layer_norm2`, x, D);
    x = g.op('Add', [x, linear(g, src, `${p}.fc2`, quickGelu(g, linear(g, src, `${p}.fc1`, h2, D, 4 * D, true)), 4 * D, D, true)]);
    if (l === c.visionLayers - 1) {
      const row = g.op('Slice', [probs, g.i64([0, 1]), g.i64([1, IMAGE_TOKENS + 1]), g.i64([2, 3])]);
      clsAttention = g.op('Reshape', [g.op('ReduceMean', [row], { axes: ints([1]), keepdims: int(0) }), g.i64([0, IMAGE_TOKENS])]);
    }
  }

  const feats = g.op('Slice', [x, g.i64([1]), g.i64([IMAGE_TOKENS + 1]), g.i64([1])]);
  const proj = linear(g, src, 'multi_modal_projector.linear_2', gelu(g, linear(g, src, 'multi_modal_projector.linear_1', feats, D, c.hidden, true)), c.hidden, c.hidden, true);
  g.alias(proj, 'image_features');
  g.alias(clsAttention, CLS_ATTENTION_OUTPUT);
  g.output('image_features', ElemType.FLOAT, ['batch_size', IMAGE_TOKENS, c.hidden]);
  g.output(CLS_ATTENTION_OUTPUT, ElemType.FLOAT, ['batch_size', IMAGE_TOKENS]);
  return g.encode();
}
