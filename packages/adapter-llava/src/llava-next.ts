import { GeometryBuilder, InvalidInputError, defineAdapter, type ImageSize, type ModelAdapter, type ParamSpec, type TokenGeometry } from '@d2pruner/core';
import { DEFAULT_PINPOINTS, parsePinpoints, resizeAndPad, selectBestResolution, unpadRange, type PinpointOrder, type UnpadRounding } from './anyres.js';
import {
  CLIP_L_336,
  CROP_SIZE,
  ENCODER_TOKENS,
  HF_IMAGE_TOKEN_ID,
  LLAVA_DEFAULT_LAYER,
  LLAVA_DEFAULT_TEXT_TOKENS,
  LLAVA_IMAGE_SENTINEL,
  PATCH_GRID,
  VICUNA_7B,
} from './dims.js';

/** Resolved layout options of the LLaVA-NeXT adapter. */
export interface LlavaNextOptions {
  /** Pinpoints `AxB,…` in config order. */
  pinpoints: string;
  /** How pinpoint pairs are read; default `wh` (original repo). */
  pinpointOrder: PinpointOrder;
  /** Unpad rounding; default `floor` (original repo). */
  unpadRounding: UnpadRounding;
}

/** Layout options of the LLaVA-NeXT adapter (the UNVERIFIED conventions of docs/models.md §2.2). */
export const LLAVA_NEXT_OPTIONS: readonly ParamSpec[] = [
  { name: 'pinpoints', type: 'string', default: DEFAULT_PINPOINTS, description: 'image_grid_pinpoints as AxB,AxB,… in config order (multiples of 336, at most 12 crops = 4032 px per side)' },
  { name: 'pinpointOrder', type: 'string', default: 'wh', enum: ['wh', 'hw'], description: 'read pinpoint pairs as (width, height) like the original repo, or (height, width) like transformers' },
  { name: 'unpadRounding', type: 'string', default: 'floor', enum: ['floor', 'round7'], description: 'unpad extent int(x) (original repo) or int(round(x, 7)) (transformers)' },
];

/**
 * The visual tokens of a LLaVA-NeXT (anyres, `spatial_unpad`) image, in sequence order
 * (docs/models.md §2.3): frame 0 = the 24×24 base view (whole image squashed), then frame 1 = the
 * stitched high-res feature map after unpadding, row by row, each row closed by a structural
 * `image_newline` token (placed at column `cols`, its box spanning the row).
 */
export function llavaNextGeometry(image: ImageSize, o: LlavaNextOptions): TokenGeometry {
  const { width: W, height: H } = image;
  // parsePinpoints bounds every side (multiples of 336, at most MAX_PINPOINT_TILES crops) before any work
  const target = selectBestResolution(image, parsePinpoints(o.pinpoints, o.pinpointOrder));
  const gridRows = target.height / CROP_SIZE;
  const gridCols = target.width / CROP_SIZE;
  const fit = resizeAndPad(image, target);
  const g = PATCH_GRID;
  const u = unpadRange(image, g * gridRows, g * gridCols, o.unpadRounding);
  const b = new GeometryBuilder(image);
  for (let r = 0; r < g; r++) {
    for (let c = 0; c < g; c++) b.token(0, r, c, (c * W) / g, (r * H) / g, ((c + 1) * W) / g, ((r + 1) * H) / g);
  }
  const cell = CROP_SIZE / g;
  const sx = W / fit.width;
  const sy = H / fit.height;
  const rowsKept = u.bottom - u.top;
  const colsKept = u.right - u.left;
  if (rowsKept < 1 || colsKept < 1) {
    throw new InvalidInputError('image', `a ${W}x${H} image is too elongated: unpadding leaves no high-res feature row or column`);
  }
  for (let R = u.top; R < u.bottom; R++) {
    const first = b.length;
    for (let C = u.left; C < u.right; C++) {
      b.token(1, R - u.top, C - u.left, (C * cell - fit.pasteX) * sx, (R * cell - fit.pasteY) * sy, ((C + 1) * cell - fit.pasteX) * sx, ((R + 1) * cell - fit.pasteY) * sy);
    }
    const a = b.boxOf(first);
    const z = b.boxOf(b.length - 1);
    b.structuralToken(1, R - u.top, colsKept, [a[0], a[1], z[2], z[3]]);
  }
  return b.build(
    [
      { rows: g, cols: g, kind: 'base' },
      { rows: rowsKept, cols: colsKept, kind: 'hires' },
    ],
    new Array<number>(1 + gridRows * gridCols).fill(ENCODER_TOKENS),
    {
      gridRows,
      gridCols,
      canvasWidth: target.width,
      canvasHeight: target.height,
      resizedWidth: fit.width,
      resizedHeight: fit.height,
      pasteX: fit.pasteX,
      pasteY: fit.pasteY,
      unpadTop: u.top,
      unpadLeft: u.left,
      rowsKept,
      colsKept,
      newlines: rowsKept,
    },
  );
}

/** LLaVA-NeXT (v1.6) Vicuna-7B: anyres tiling, 1176–2928 visual tokens incl. newlines. */
export const llavaNext7b: ModelAdapter = defineAdapter<LlavaNextOptions>({
  id: 'llava-next-7b',
  family: 'llava',
  aliases: ['llava-v1.6-vicuna-7b', 'llava-1.6-7b', 'liuhaotian/llava-v1.6-vicuna-7b'],
  description: 'LLaVA-NeXT (1.6) Vicuna-7B: anyres base 24×24 + unpadded high-res grid with row newlines',
  llm: VICUNA_7B,
  vision: CLIP_L_336,
  defaultLayer: LLAVA_DEFAULT_LAYER,
  defaultTextTokens: LLAVA_DEFAULT_TEXT_TOKENS,
  layoutOptions: LLAVA_NEXT_OPTIONS,
  placeholders: { imageTokenId: HF_IMAGE_TOKEN_ID, sentinelId: LLAVA_IMAGE_SENTINEL },
  geometry: llavaNextGeometry,
});
