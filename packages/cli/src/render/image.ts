import { InvalidInputError, SELECTION_COLOURS, hexRgb, type Selection, type TokenLayout } from '@d2pruner/core';
import { BACKGROUND, blendRect, sideBySide } from './canvas.js';
import { selectionKinds } from './overlay.js';
import type { RgbaImage } from './png.js';
import { rgba, type SharpLike } from './sharp.js';

/** The longest side, in pixels, of each panel `render --image` draws. */
export const MAX_PANEL_SIDE = 768;

/**
 * A decoded source image: its size as the model sees it (EXIF orientation applied) and its pixels
 * already scaled to the panel size ({@link panelSize}), never held at full resolution.
 */
export interface SourceImage {
  /** Width of the (oriented) source image in pixels: what the model adapter lays tokens out on. */
  width: number;
  /** Height of the (oriented) source image in pixels. */
  height: number;
  /** The image scaled to at most `maxSide` pixels a side, RGBA. */
  scaled: RgbaImage;
}

/** The size a `width`×`height` image is drawn at: scaled down to at most `maxSide` a side (never up), at least 1 px. */
export function panelSize(width: number, height: number, maxSide = MAX_PANEL_SIDE): { width: number; height: number; scale: number } {
  const scale = Math.min(1, maxSide / Math.max(width, height));
  return { width: Math.max(1, Math.round(width * scale)), height: Math.max(1, Math.round(height * scale)), scale };
}

/**
 * Decodes a PNG or JPEG file with sharp: its size as the model would see it, from the header
 * (EXIF orientation 5–8 swaps the sides), and its pixels resized inside sharp to the panel size,
 * so a large image never becomes a full-resolution RGBA buffer (a 16000×16000 PNG would be 1 GiB).
 * A file whose header gives no size is INVALID_INPUT naming `image`.
 */
export async function decodeImage(sharp: SharpLike, bytes: Uint8Array, maxSide = MAX_PANEL_SIDE): Promise<SourceImage> {
  const meta = await sharp(bytes).metadata();
  if (!meta.width || !meta.height) throw new InvalidInputError('image', 'the image header gives no size');
  const swap = (meta.orientation ?? 1) >= 5;
  const width = swap ? meta.height : meta.width;
  const height = swap ? meta.width : meta.height;
  const size = panelSize(width, height, maxSide);
  const scaled = await rgba(sharp(bytes).rotate().resize(size.width, size.height, { fit: 'fill' }));
  return { width, height, scaled };
}

/**
 * Draws a selection over the source image with the model adapter's geometry: one panel per frame
 * (LLaVA-1.5: the padded and resized square; InternVL: the tile canvas, then the thumbnail), each
 * the scaled image ({@link decodeImage}) with every token's region (its box in source-image
 * pixels, scaled alike) tinted by kind — pivots, MIS picks, other kept tokens in the web app's
 * colours — and pruned regions darkened. `visual(k)` maps selection index k to its visual-token
 * index in `tl`.
 */
export function renderOnImage(source: SourceImage, tl: TokenLayout, s: Selection, visual: (k: number) => number): RgbaImage {
  const { width, height, data } = source.scaled;
  const scaleX = width / source.width;
  const scaleY = height / source.height;
  const panels = tl.frames.map(() => ({ width, height, data: data.slice() }));
  const kinds = selectionKinds(s.n, s);
  for (let k = 0; k < kinds.length; k++) {
    const v = visual(k);
    if (tl.padding[v] || tl.structural[v]) continue;
    const panel = panels[tl.frame[v]];
    const b = tl.box;
    const [x0, y0, x1, y1] = [b[4 * v] * scaleX, b[4 * v + 1] * scaleY, b[4 * v + 2] * scaleX, b[4 * v + 3] * scaleY];
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
