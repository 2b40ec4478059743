import { SELECTION_COLOURS, hexRgb, type Selection, type TokenLayout } from '@d2pruner/core';
import { BACKGROUND, blendRect, sideBySide } from './canvas.js';
import { selectionKinds } from './overlay.js';
import type { RgbaImage } from './png.js';
import { rgba, type SharpLike } from './sharp.js';

/** A decoded source image (EXIF orientation applied). */
export interface SourceImage {
  width: number;
  height: number;
  bytes: Uint8Array;
}

/** Decodes a PNG or JPEG file with sharp and returns its size as the model would see it. */
export async function decodeImage(sharp: SharpLike, bytes: Uint8Array): Promise<SourceImage> {
  const img = await rgba(sharp(bytes).rotate());
  return { width: img.width, height: img.height, bytes: img.data };
}

/**
 * Draws a selection over the source image with the model adapter's geometry: one panel per frame
 * (LLaVA-1.5: the padded and resized square; InternVL: the tile canvas, then the thumbnail), each
 * the image scaled to at most `maxSide` pixels with every token's region (its box in image
 * pixels) tinted by kind — pivots, MIS picks, other kept tokens in the web app's colours — and
 * pruned regions darkened. `visual(k)` maps selection index k to its visual-token index in `tl`.
 */
export async function renderOnImage(sharp: SharpLike, source: SourceImage, tl: TokenLayout, s: Selection, visual: (k: number) => number, maxSide = 768): Promise<RgbaImage> {
  const scale = Math.min(1, maxSide / Math.max(source.width, source.height));
  const width = Math.max(1, Math.round(source.width * scale));
  const height = Math.max(1, Math.round(source.height * scale));
  const base = await rgba(sharp(source.bytes, { raw: { width: source.width, height: source.height, channels: 4 } }).resize(width, height, { fit: 'fill' }));
  const panels = tl.frames.map(() => ({ width, height, data: base.data.slice() }));
  const kinds = selectionKinds(s.n, s);
  for (let k = 0; k < kinds.length; k++) {
    const v = visual(k);
    if (tl.padding[v] || tl.structural[v]) continue;
    const panel = panels[tl.frame[v]];
    const [x0, y0, x1, y1] = Array.from(tl.box.subarray(4 * v, 4 * v + 4), (c) => c * scale);
    if (x1 <= x0 || y1 <= y0) continue;
    const kind = kinds[k];
    if (kind === 'dropped') {
      blendRect(panel, x0, y0, x1, y1, BACKGROUND, 0.7);
      continue;
    }
    const rgb = hexRgb(SELECTION_COLOURS[kind]);
    blendRect(panel, x0, y0, x1, y1, rgb, 0.45);
    blendRect(panel, x0, y0, x1, y0 + 1, rgb);
    blendRect(panel, x0, y1 - 1, x1, y1, rgb);
    blendRect(panel, x0, y0, x0 + 1, y1, rgb);
    blendRect(panel, x1 - 1, y0, x1, y1, rgb);
  }
  return sideBySide(panels, 8);
}
