import { GeometryBuilder, defineAdapter, type ImageSize, type LlmDims, type ModelAdapter, type ParamSpec, type TokenGeometry, type VisionDims } from '@d2pruner/core';
import { QWEN2_VL_PIXELS, smartResize, type PixelBudget } from './smart-resize.js';

/** Qwen2-7B, the LLM of Qwen2-VL-7B (docs/models.md §4): GQA 28/4, SwiGLU, M-RoPE θ = 1e6. */
export const QWEN2_7B: LlmDims = {
  layers: 28,
  hidden: 3584,
  heads: 28,
  kvHeads: 4,
  headDim: 128,
  intermediate: 18944,
  ffnMatrices: 3,
  vocab: 152064,
  ropeBase: 1_000_000,
  ropeType: 'mrope',
  maxPositions: 32768,
};

/** Qwen2-VL's 675M ViT: 32 layers, width 1280, MLP 5120 (the 2×2 patch merger is not counted). */
export const QWEN2_VL_VIT: VisionDims = { layers: 32, hidden: 1280, intermediate: 5120 };

/** `<|vision_start|>`, `<|image_pad|>`, `<|vision_end|>` (docs/models.md §4). */
export const QWEN2_VL_TOKENS = { visionStart: 151652, imagePad: 151655, visionEnd: 151653 } as const;

/** Pixels per LLM token side: patch 14 × spatial merge 2. */
export const QWEN2_VL_FACTOR = 28;

/** Layout options: the processor's pixel budget. */
export const QWEN2_VL_OPTIONS: readonly ParamSpec[] = [
  { name: 'minPixels', type: 'integer', default: QWEN2_VL_PIXELS.minPixels, min: 1, description: 'min_pixels of the image processor' },
  { name: 'maxPixels', type: 'integer', default: QWEN2_VL_PIXELS.maxPixels, min: 1, description: 'max_pixels of the image processor' },
];

/**
 * The visual tokens of a Qwen2-VL image: the image is resized (`smart_resize`, aspect nearly
 * kept) to H'×W', and each token is a merged 2×2 group of 14-px patches, i.e. a 28-px cell of
 * a (H'/28)×(W'/28) grid in row-major order. One frame; boxes mapped back to the original image.
 */
export function qwen2vlGeometry(image: ImageSize, o: PixelBudget): TokenGeometry {
  const r = smartResize(image.height, image.width, o);
  const rows = r.height / QWEN2_VL_FACTOR;
  const cols = r.width / QWEN2_VL_FACTOR;
  const sx = image.width / r.width;
  const sy = image.height / r.height;
  const b = new GeometryBuilder(image);
  const f = QWEN2_VL_FACTOR;
  for (let y = 0; y < rows; y++) {
    for (let x = 0; x < cols; x++) b.token(0, y, x, x * f * sx, y * f * sy, (x + 1) * f * sx, (y + 1) * f * sy);
  }
  return b.build([{ rows, cols, kind: 'grid' }], [4 * rows * cols], { resizedWidth: r.width, resizedHeight: r.height, rows, cols });
}

/** Qwen2-VL-7B-Instruct, built with core's `defineAdapter`; register it with `registerAdapter`. */
export const qwen2vl7b: ModelAdapter = defineAdapter<PixelBudget>({
  id: 'qwen2-vl-7b',
  family: 'qwen2-vl',
  aliases: ['qwen/qwen2-vl-7b-instruct', 'qwen2-vl-7b-instruct'],
  description: 'Qwen2-VL-7B: smart-resized image, one token per 28-px cell (2×2 merge), M-RoPE',
  llm: QWEN2_7B,
  vision: QWEN2_VL_VIT,
  defaultLayer: 2,
  // Assumed, not measured: default system prompt + template (≈ 20) + a 40-token question.
  defaultTextTokens: 60,
  layoutOptions: QWEN2_VL_OPTIONS,
  placeholders: { imageTokenId: QWEN2_VL_TOKENS.imagePad, imageStartId: QWEN2_VL_TOKENS.visionStart, imageEndId: QWEN2_VL_TOKENS.visionEnd },
  geometry: qwen2vlGeometry,
});
