import { GeometryBuilder, defineAdapter, type ImageSize, type ModelAdapter, type ParamSpec, type TokenGeometry } from '@d2pruner/core';
import {
  CLIP_L_336,
  CROP_SIZE,
  ENCODER_TOKENS,
  HF_IMAGE_TOKEN_ID,
  LLAVA_DEFAULT_LAYER,
  LLAVA_DEFAULT_TEXT_TOKENS,
  LLAVA_IMAGE_SENTINEL,
  PATCH_GRID,
  VICUNA_13B,
  VICUNA_7B,
} from './dims.js';

/**
 * How the image reaches the 336-px CLIP input (docs/models.md §1.3):
 * - `pad` (original repo, `image_aspect_ratio = "pad"`, the default): pasted centred on a square
 *   canvas of side max(W, H); tokens entirely inside the padding are flagged;
 * - `crop` (HF `CLIPImageProcessor` of some `llava-hf` revisions): short side resized to 336,
 *   centre-cropped to 336; border content is lost, no padding. Which processor each hub
 *   revision ships is UNVERIFIED, hence the option.
 */
export type Llava15Preprocess = 'pad' | 'crop';

/** Resolved layout options of the LLaVA-1.5 adapters. */
export interface Llava15Options {
  /** Default `pad`. */
  preprocess: Llava15Preprocess;
}

/** Layout options of the LLaVA-1.5 adapters. */
export const LLAVA15_OPTIONS: readonly ParamSpec[] = [
  { name: 'preprocess', type: 'string', default: 'pad', enum: ['pad', 'crop'], description: 'pad to square (original repo) or resize + centre-crop (HF CLIPImageProcessor)' },
];

/**
 * Geometry of the pad-to-square preprocessing (`expand2square`): paste offset and canvas side.
 * Offsets use Python's floor division as the original code does.
 */
export function padToSquare(image: ImageSize): { side: number; offsetX: number; offsetY: number } {
  const side = Math.max(image.width, image.height);
  return { side, offsetX: Math.floor((side - image.width) / 2), offsetY: Math.floor((side - image.height) / 2) };
}

/**
 * Geometry of resize-short-side-to-336 + centre-crop (HF `get_resize_output_image_size` with
 * `default_to_square=False`, then `center_crop`): resized size and crop offsets.
 */
export function resizeAndCenterCrop(image: ImageSize, size = CROP_SIZE): { width: number; height: number; left: number; top: number } {
  const { width: W, height: H } = image;
  const short = Math.min(W, H);
  const long = Math.max(W, H);
  const newLong = Math.trunc((size * long) / short);
  const width = W <= H ? size : newLong;
  const height = W <= H ? newLong : size;
  return { width, height, left: Math.floor((width - size) / 2), top: Math.floor((height - size) / 2) };
}

/**
 * The 576 tokens of a LLaVA-1.5 image: one 24×24 frame, token k at (k div 24, k mod 24), each
 * with its region in original-image pixels (docs/models.md §1.3).
 */
export function llava15Geometry(image: ImageSize, options: Llava15Options): TokenGeometry {
  const b = new GeometryBuilder(image);
  const g = PATCH_GRID;
  let details: TokenGeometry['details'];
  if (options.preprocess === 'crop') {
    const c = resizeAndCenterCrop(image);
    const sx = image.width / c.width;
    const sy = image.height / c.height;
    const cell = CROP_SIZE / g;
    for (let r = 0; r < g; r++) {
      for (let col = 0; col < g; col++) {
        b.token(0, r, col, (c.left + col * cell) * sx, (c.top + r * cell) * sy, (c.left + (col + 1) * cell) * sx, (c.top + (r + 1) * cell) * sy);
      }
    }
    details = { preprocess: 'crop', resizedWidth: c.width, resizedHeight: c.height, cropLeft: c.left, cropTop: c.top };
  } else {
    const p = padToSquare(image);
    let padded = 0;
    for (let r = 0; r < g; r++) {
      for (let col = 0; col < g; col++) {
        const pad = b.token(0, r, col, (col * p.side) / g - p.offsetX, (r * p.side) / g - p.offsetY, ((col + 1) * p.side) / g - p.offsetX, ((r + 1) * p.side) / g - p.offsetY);
        if (pad) padded++;
      }
    }
    details = { preprocess: 'pad', canvas: p.side, offsetX: p.offsetX, offsetY: p.offsetY, paddingTokens: padded };
  }
  return b.build([{ rows: g, cols: g, kind: 'grid' }], [ENCODER_TOKENS], details);
}

const common = {
  family: 'llava',
  vision: CLIP_L_336,
  defaultLayer: LLAVA_DEFAULT_LAYER,
  defaultTextTokens: LLAVA_DEFAULT_TEXT_TOKENS,
  layoutOptions: LLAVA15_OPTIONS,
  placeholders: { imageTokenId: HF_IMAGE_TOKEN_ID, sentinelId: LLAVA_IMAGE_SENTINEL },
  fixedTokens: PATCH_GRID * PATCH_GRID,
  geometry: llava15Geometry,
};

/** LLaVA-1.5-7B (Vicuna-7B, CLIP-L/14-336, 576 visual tokens). */
export const llava15_7b: ModelAdapter = defineAdapter<Llava15Options>({
  ...common,
  id: 'llava-1.5-7b',
  aliases: ['llava-v1.5-7b', 'liuhaotian/llava-v1.5-7b'],
  description: 'LLaVA-1.5 7B: 576 CLIP-L/14-336 tokens (24×24), Vicuna-7B',
  llm: VICUNA_7B,
});

/** LLaVA-1.5-13B (Vicuna-13B, CLIP-L/14-336, 576 visual tokens). */
export const llava15_13b: ModelAdapter = defineAdapter<Llava15Options>({
  ...common,
  id: 'llava-1.5-13b',
  aliases: ['llava-v1.5-13b', 'liuhaotian/llava-v1.5-13b'],
  description: 'LLaVA-1.5 13B: 576 CLIP-L/14-336 tokens (24×24), Vicuna-13B',
  llm: VICUNA_13B,
});
