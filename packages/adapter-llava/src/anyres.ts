import { InvalidInputError, type ImageSize } from '@d2pruner/core';
import { CROP_SIZE, MAX_PINPOINT_TILES } from './dims.js';

/**
 * How `image_grid_pinpoints` pairs are read (docs/models.md §2.2 orientation caveat): the original
 * repo reads `[a, b]` as (width, height) — `wh`, the default; transformers reads them as
 * (height, width) — `hw`. Results differ only at exact ties.
 */
export type PinpointOrder = 'wh' | 'hw';

/**
 * How the unpad step rounds the unpadded extent: `floor` = `int(x)` (original repo, default);
 * `round7` = `int(round(x, 7))` (transformers).
 */
export type UnpadRounding = 'floor' | 'round7';

/** `image_grid_pinpoints` of llava-v1.6 (and the HF default), as written in the config. */
export const DEFAULT_PINPOINTS = '336x672,672x336,672x672,1008x336,336x1008';

/**
 * Parses pinpoints written `AxB,AxB,…` in config order into (width, height) resolutions,
 * reading each pair according to `order`. Every side must be a multiple of {@link CROP_SIZE} with
 * at most {@link MAX_PINPOINT_TILES} crops (336 … 4032 px); anything else throws
 * {@link InvalidInputError} naming `pinpoints` before any layout work is done.
 */
export function parsePinpoints(text: string, order: PinpointOrder = 'wh'): ImageSize[] {
  if (typeof text !== 'string') throw new InvalidInputError('pinpoints', `pinpoints must be a string like 336x672,672x336, got ${typeof text}`);
  const maxSide = MAX_PINPOINT_TILES * CROP_SIZE;
  const out: ImageSize[] = [];
  for (const part of text.split(',')) {
    const m = /^\s*(\d+)\s*[xX×]\s*(\d+)\s*$/.exec(part);
    if (!m) throw new InvalidInputError('pinpoints', `pinpoints must be a list like 336x672,672x336; bad entry '${part}'`);
    const a = Number(m[1]);
    const b = Number(m[2]);
    for (const side of [a, b]) {
      if (side < CROP_SIZE || side > maxSide || side % CROP_SIZE !== 0) {
        throw new InvalidInputError('pinpoints', `pinpoint sides must be multiples of ${CROP_SIZE} from ${CROP_SIZE} to ${maxSide} (${MAX_PINPOINT_TILES} crops); bad entry '${part.trim()}'`);
      }
    }
    out.push(order === 'wh' ? { width: a, height: b } : { width: b, height: a });
  }
  return out;
}

/**
 * `select_best_resolution` (docs/models.md §2.2 step 1): maximise the effective resolution
 * min(int(W·s)·int(H·s), W·H) with s = min(w/W, h/H); ties → least wasted area; further ties →
 * first in list.
 */
export function selectBestResolution(image: ImageSize, resolutions: readonly ImageSize[]): ImageSize {
  const { width: W, height: H } = image;
  let best: ImageSize | undefined;
  let maxEffective = 0;
  let minWasted = Infinity;
  for (const r of resolutions) {
    const scale = Math.min(r.width / W, r.height / H);
    const effective = Math.min(Math.trunc(W * scale) * Math.trunc(H * scale), W * H);
    const wasted = r.width * r.height - effective;
    if (effective > maxEffective || (effective === maxEffective && wasted < minWasted)) {
      maxEffective = effective;
      minWasted = wasted;
      best = r;
    }
  }
  if (!best) throw new InvalidInputError('pinpoints', 'no pinpoint resolution given');
  return best;
}

/**
 * `resize_and_pad_image` (docs/models.md §2.2 step 2): the limiting side gets exactly the target, the
 * other `ceil`, capped; the result is pasted centred (floor division) on a black canvas.
 */
export function resizeAndPad(image: ImageSize, target: ImageSize): { width: number; height: number; pasteX: number; pasteY: number } {
  const scaleW = target.width / image.width;
  const scaleH = target.height / image.height;
  let width: number;
  let height: number;
  if (scaleW < scaleH) {
    width = target.width;
    height = Math.min(Math.ceil(image.height * scaleW), target.height);
  } else {
    height = target.height;
    width = Math.min(Math.ceil(image.width * scaleH), target.width);
  }
  return { width, height, pasteX: Math.floor((target.width - width) / 2), pasteY: Math.floor((target.height - height) / 2) };
}

/**
 * `unpad_image` on a feature map of `rows`×`cols` cells (docs/models.md §2.3 step 3): the kept rows
 * [top, bottom) and columns [left, right).
 */
export function unpadRange(
  image: ImageSize,
  rows: number,
  cols: number,
  rounding: UnpadRounding = 'floor',
): { top: number; bottom: number; left: number; right: number } {
  const toInt = (x: number) => (rounding === 'floor' ? Math.trunc(x) : Math.trunc(Math.round(x * 1e7) / 1e7));
  const originalAspect = image.width / image.height;
  const currentAspect = cols / rows;
  if (originalAspect > currentAspect) {
    const scale = cols / image.width;
    const newHeight = toInt(image.height * scale);
    const pad = Math.floor((rows - newHeight) / 2);
    return { top: pad, bottom: rows - pad, left: 0, right: cols };
  }
  const scale = rows / image.height;
  const newWidth = toInt(image.width * scale);
  const pad = Math.floor((cols - newWidth) / 2);
  return { top: 0, bottom: rows, left: pad, right: cols - pad };
}
