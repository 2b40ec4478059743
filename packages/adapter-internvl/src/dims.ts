import type { LlmDims, VisionDims } from '@d2pruner/core';

/** InternLM2.5-7B-chat, the LLM of InternVL-2.5-8B (docs/models.md §3.1): GQA 32/8, SwiGLU. */
export const INTERNLM2_5_7B: LlmDims = {
  layers: 32,
  hidden: 4096,
  heads: 32,
  kvHeads: 8,
  headDim: 128,
  intermediate: 14336,
  ffnMatrices: 3,
  vocab: 92544,
  ropeBase: 1_000_000,
  ropeType: 'rope',
  ropeScaling: { type: 'dynamic', factor: 2 },
  maxPositions: 32768,
};

/** InternViT-300M-448px: 24 layers, width 1024, MLP 4096; 1025 positions per tile (CLS + 32×32). */
export const INTERNVIT_300M: VisionDims = { layers: 24, hidden: 1024, intermediate: 4096 };

/** Tile side in pixels (`force_image_size`). */
export const TILE_SIZE = 448;

/**
 * Largest `max_num` (and `min_num`) accepted: the layout option's bound and the bound of the
 * exported tiling helpers, so no caller can ask for an unbounded grid enumeration.
 */
export const MAX_TILES = 64;

/** ViT patch size. */
export const VIT_PATCH = 14;

/** Tokens per tile side after the 0.5 pixel shuffle (448 / 14 / 2). */
export const TOKEN_GRID = 16;

/** Visual tokens per tile (`num_image_token`). */
export const TOKENS_PER_TILE = TOKEN_GRID * TOKEN_GRID;

/** Encoder sequence length per tile: 1024 patches + CLS. */
export const ENCODER_TOKENS = (TILE_SIZE / VIT_PATCH) ** 2 + 1;

/** `<IMG_CONTEXT>` id (HF conversion, docs/models.md §3.1). */
export const IMG_CONTEXT_ID = 92546;

/** `<img>` id — assumed (InternVL-2.5 tokenizer adds `<img>`, `</img>`, `<IMG_CONTEXT>` in that order after the 92544-token vocab). */
export const IMG_START_ID = 92544;

/** `</img>` id — assumed, see {@link IMG_START_ID}. */
export const IMG_END_ID = 92545;

/** Non-visual tokens assumed by the cost model (system + template + RefCOCO prompt; not measured, docs/cost-model.md §3). */
export const INTERNVL_DEFAULT_TEXT_TOKENS = 70;

/** Default pruning layer K. */
export const INTERNVL_DEFAULT_LAYER = 2;
