import { SELECTION_COLOURS, hexRgb } from '@d2pruner/core';
import type { RgbaImage } from './png.js';

/** The drawing background: the web app's card colour. */
export const BACKGROUND = hexRgb(SELECTION_COLOURS.background);

/** A `width`×`height` image filled with `rgb`, opaque. */
export function blankImage(width: number, height: number, rgb: readonly number[] = BACKGROUND): RgbaImage {
  const data = new Uint8Array(width * height * 4);
  for (let i = 0; i < data.length; i += 4) data.set([rgb[0], rgb[1], rgb[2], 255], i);
  return { width, height, data };
}

/** Blends `rgb` with opacity `alpha` over the pixels of [x0, x1) × [y0, y1), rounded to whole pixels (so regions that tile stay apart) and clipped to the image. */
export function blendRect(img: RgbaImage, x0: number, y0: number, x1: number, y1: number, rgb: readonly number[], alpha = 1): void {
  const xa = Math.max(0, Math.round(x0));
  const xb = Math.min(img.width, Math.round(x1));
  const ya = Math.max(0, Math.round(y0));
  const yb = Math.min(img.height, Math.round(y1));
  for (let y = ya; y < yb; y++) {
    for (let x = xa; x < xb; x++) {
      const p = (y * img.width + x) * 4;
      for (let c = 0; c < 3; c++) img.data[p + c] = Math.round(img.data[p + c] * (1 - alpha) + rgb[c] * alpha);
      img.data[p + 3] = 255;
    }
  }
}

/** Copies `src` into `dst` at (x, y), blending by the source's alpha. */
export function drawImage(dst: RgbaImage, src: RgbaImage, x: number, y: number): void {
  for (let sy = 0; sy < src.height; sy++) {
    const dy = y + sy;
    if (dy < 0 || dy >= dst.height) continue;
    for (let sx = 0; sx < src.width; sx++) {
      const dx = x + sx;
      if (dx < 0 || dx >= dst.width) continue;
      const s = (sy * src.width + sx) * 4;
      const a = src.data[s + 3] / 255;
      if (a === 0) continue;
      const d = (dy * dst.width + dx) * 4;
      for (let c = 0; c < 3; c++) dst.data[d + c] = Math.round(dst.data[d + c] * (1 - a) + src.data[s + c] * a);
      dst.data[d + 3] = 255;
    }
  }
}

/** Panels side by side with `gap` pixels between, top-aligned, on the background. */
export function sideBySide(panels: readonly RgbaImage[], gap: number): RgbaImage {
  const width = panels.reduce((w, p) => w + p.width, 0) + gap * Math.max(0, panels.length - 1);
  const out = blankImage(width, Math.max(...panels.map((p) => p.height)));
  let x = 0;
  for (const p of panels) {
    drawImage(out, p, x, 0);
    x += p.width + gap;
  }
  return out;
}

/** `top` above `bottom`, left-aligned, as wide as the wider. */
export function stacked(top: RgbaImage, bottom: RgbaImage): RgbaImage {
  const out = blankImage(Math.max(top.width, bottom.width), top.height + bottom.height);
  drawImage(out, top, 0, 0);
  drawImage(out, bottom, 0, top.height);
  return out;
}
