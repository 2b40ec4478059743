import { GeometryBuilder, defineAdapter, type ImageSize, type ModelAdapter, type ParamSpec, type TokenGeometry } from '@d2pruner/core';
import {
  ENCODER_TOKENS,
  IMG_CONTEXT_ID,
  IMG_END_ID,
  IMG_START_ID,
  INTERNLM2_5_7B,
  INTERNVIT_300M,
  INTERNVL_DEFAULT_LAYER,
  INTERNVL_DEFAULT_TEXT_TOKENS,
  MAX_TILES,
  TILE_SIZE,
  TOKEN_GRID,
  TOKENS_PER_TILE,
} from './dims.js';
import { tileTokenCell } from './pixel-shuffle.js';
import { dynamicTiling } from './tiling.js';

/** Resolved layout options of the InternVL adapter. */
export interface InternVLOptions {
  /** Maximum tiles (`max_num`); default 12 (README chat example; the RefCOCO eval uses 6). */
  maxTiles: number;
  /** Minimum tiles (`min_num`); default 1. */
  minTiles: number;
  /** Append the thumbnail when there is more than one tile; default true. */
  useThumbnail: boolean;
}

/** Layout options of the InternVL adapter. */
export const INTERNVL_OPTIONS: readonly ParamSpec[] = [
  { name: 'maxTiles', type: 'integer', default: 12, min: 1, max: MAX_TILES, description: 'maximum dynamic tiles (max_num)' },
  { name: 'minTiles', type: 'integer', default: 1, min: 1, max: MAX_TILES, description: 'minimum dynamic tiles (min_num)' },
  { name: 'useThumbnail', type: 'boolean', default: true, description: 'append a 448-px thumbnail tile when there is more than one tile' },
];

/**
 * The visual tokens of an InternVL-2.5 image (docs/models.md §3.2–3.5): 256 per tile in tile order
 * (row-major), each tile's tokens row-major; frame 0 is the global canvas of (16·rows)×(16·cols)
 * cells so that tokens across a tile border are neighbours; the thumbnail (last) is frame 1.
 * Stretching means uniform cells: canvas cell (R, C) covers
 * [C·W/(16·cols), (C+1)·W/(16·cols)) × [R·H/(16·rows), (R+1)·H/(16·rows)).
 */
export function internvlGeometry(image: ImageSize, o: InternVLOptions): TokenGeometry {
  const { width: W, height: H } = image;
  const tiling = dynamicTiling(image, o.minTiles, o.maxTiles, o.useThumbnail);
  const { cols, rows } = tiling.grid;
  const g = TOKEN_GRID;
  const gw = g * cols;
  const gh = g * rows;
  const b = new GeometryBuilder(image);
  for (let p = 0; p < tiling.tiles; p++) {
    for (let t = 0; t < TOKENS_PER_TILE; t++) {
      const { row: R, col: C } = tileTokenCell(p, t, cols);
      b.token(0, R, C, (C * W) / gw, (R * H) / gh, ((C + 1) * W) / gw, ((R + 1) * H) / gh);
    }
  }
  const frames: TokenGeometry['frames'] = [{ rows: gh, cols: gw, kind: 'canvas' }];
  if (tiling.thumbnail) {
    frames.push({ rows: g, cols: g, kind: 'thumbnail' });
    for (let t = 0; t < TOKENS_PER_TILE; t++) {
      const r = Math.floor(t / g);
      const c = t % g;
      b.token(1, r, c, (c * W) / g, (r * H) / g, ((c + 1) * W) / g, ((r + 1) * H) / g);
    }
  }
  const passes = tiling.tiles + (tiling.thumbnail ? 1 : 0);
  return b.build(frames, new Array<number>(passes).fill(ENCODER_TOKENS), {
    tileCols: cols,
    tileRows: rows,
    tiles: tiling.tiles,
    thumbnail: tiling.thumbnail,
    stretchedWidth: TILE_SIZE * cols,
    stretchedHeight: TILE_SIZE * rows,
  });
}

/** InternVL-2.5-8B (InternViT-300M + InternLM2.5-7B): 256 tokens per 448-px tile, up to 12 + thumbnail. */
export const internvl25_8b: ModelAdapter = defineAdapter<InternVLOptions>({
  id: 'internvl-2.5-8b',
  family: 'internvl',
  aliases: ['internvl2_5-8b', 'opengvlab/internvl2_5-8b'],
  description: 'InternVL-2.5-8B: dynamic 448-px tiles (+ thumbnail), 256 pixel-shuffled tokens each, InternLM2.5-7B',
  llm: INTERNLM2_5_7B,
  vision: INTERNVIT_300M,
  defaultLayer: INTERNVL_DEFAULT_LAYER,
  defaultTextTokens: INTERNVL_DEFAULT_TEXT_TOKENS,
  layoutOptions: INTERNVL_OPTIONS,
  placeholders: { imageTokenId: IMG_CONTEXT_ID, imageStartId: IMG_START_ID, imageEndId: IMG_END_ID },
  geometry: internvlGeometry,
});
