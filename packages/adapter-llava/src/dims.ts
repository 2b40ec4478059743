import type { LlmDims, VisionDims } from '@d2pruner/core';

/** Vicuna-7B v1.5 (LLaMA-2 architecture), docs/models.md §1.5. */
export const VICUNA_7B: LlmDims = {
  layers: 32,
  hidden: 4096,
  heads: 32,
  kvHeads: 32,
  headDim: 128,
  intermediate: 11008,
  ffnMatrices: 3,
  vocab: 32000,
  ropeBase: 10000,
  ropeType: 'rope',
  maxPositions: 4096,
};

/** Vicuna-13B v1.5, docs/models.md §1.5. */
export const VICUNA_13B: LlmDims = { ...VICUNA_7B, layers: 40, hidden: 5120, heads: 40, kvHeads: 40, intermediate: 13824 };

/**
 * CLIP ViT-L/14-336 as LLaVA runs it: all 24 layers execute (the feature is read from layer 23,
 * `mm_vision_select_layer = -2`, but HF still runs layer 24), width 1024, MLP 4096.
 */
export const CLIP_L_336: VisionDims = { layers: 24, hidden: 1024, intermediate: 4096 };

/** Patch tokens per 336-px crop side (336 / 14). */
export const PATCH_GRID = 24;

/** CLIP input side in pixels. */
export const CROP_SIZE = 336;

/**
 * Most 336-px crops per side of one pinpoint (a 4032-px side). llava-v1.6 uses at most 3 per side
 * and anyres_max_9 grids at most 6; the cap keeps a pinpoint from asking for millions of tokens.
 */
export const MAX_PINPOINT_TILES = 12;

/** Encoder sequence length per crop: 576 patches + CLS. */
export const ENCODER_TOKENS = PATCH_GRID * PATCH_GRID + 1;

/** HF `image_token_index` of the llava-hf conversions. */
export const HF_IMAGE_TOKEN_ID = 32000;

/** Original repo `IMAGE_TOKEN_INDEX`, a single sentinel replaced by the image's features. */
export const LLAVA_IMAGE_SENTINEL = -200;

/**
 * Non-visual tokens assumed by the cost model: the 35-token vicuna_v1 prefix plus a 40-token
 * question and answer cue (docs/cost-model.md §2).
 */
export const LLAVA_DEFAULT_TEXT_TOKENS = 75;

/** Default pruning layer K (FastV / DART, docs/models.md §7 item 5). */
export const LLAVA_DEFAULT_LAYER = 2;
