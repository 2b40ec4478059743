import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { gridLayout, isD2PrunerError, writeSafetensors, type Layout } from '@d2pruner/core';
import { MAX_CANVAS_PIXELS, checkGridCanvas, gridCanvasSize, imageSize } from '../src/render/grid-size.js';
import { droppedColour } from '../src/render/overlay.js';
import { LEGEND_HEIGHT, legendStrip, legendWidth } from '../src/render/legend.js';
import { runCli } from './helpers.js';

const tmp = mkdtempSync(join(tmpdir(), 'd2pruner-render-cap-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** A 254-byte-class token file: 4 attention values on the first row of one declared `size`×`size` frame. */
function bigFrameFile(size: number): string {
  const layout = { frames: [{ rows: size, cols: size }], frame: [0, 0, 0, 0], row: [0, 0, 0, 0], col: [0, 1, 2, 3] };
  const f = join(tmp, `frame${size}.safetensors`);
  writeFileSync(f, writeSafetensors({ attention: { shape: [4], data: Float32Array.from([0.1, 0.2, 0.3, 0.4]) } }, { 'd2pruner.layout': JSON.stringify(layout) }));
  return f;
}

/** A token file of one `rows`×1 frame (a tall, one-column grid) with 4 tokens at its top. */
function tallFile(rows: number): string {
  const layout = { frames: [{ rows, cols: 1 }], frame: [0, 0, 0, 0], row: [0, 1, 2, 3], col: [0, 0, 0, 0] };
  const f = join(tmp, `tall${rows}.safetensors`);
  writeFileSync(f, writeSafetensors({ attention: { shape: [4], data: Float32Array.from([0.1, 0.2, 0.3, 0.4]) } }, { 'd2pruner.layout': JSON.stringify(layout) }));
  return f;
}

/** A layout of these frames with no tokens (only the frame sizes matter to the canvas). */
const frames = (...sizes: [number, number][]): Layout => ({ frames: sizes.map(([rows, cols]) => ({ rows, cols })), frame: new Int32Array(0), row: new Int32Array(0), col: new Int32Array(0) });

function thrown(fn: () => void): { code: string; field: string; message: string } {
  try {
    fn();
  } catch (e) {
    if (isD2PrunerError(e)) return { code: e.code, field: e.field, message: e.message };
    throw e;
  }
  throw new Error('expected a typed error');
}

describe('render bounds the token-grid image before allocating it', () => {
  it('the cap is 2^26 pixels', () => {
    expect(MAX_CANVAS_PIXELS).toBe(67_108_864);
  });

  it('sizes frames side by side with one cell of gap, as tall as the tallest', () => {
    const layout = frames([2, 3], [4, 1]);
    // 3·10 + 10 (gap) + 1·10 wide, 4·10 tall
    expect(gridCanvasSize(layout, 10)).toEqual({ width: 50, height: 40 });
  });

  it('a 2000×2000 frame: --cell 4 fits with the legend (8000 × 8024 px), --cell 5 does not, and the error names cell with the largest that fits', () => {
    const layout = frames([2000, 2000]);
    expect(() => checkGridCanvas(layout, 4, { width: 0, height: 24 })).not.toThrow();
    const e = thrown(() => checkGridCanvas(layout, 5, { width: 0, height: 24 }));
    expect([e.code, e.field]).toEqual(['INVALID_ARGUMENT', 'cell']);
    expect(e.message).toContain('use --cell 4 or less');
  });

  it('a grid too large even at --cell 3 names its source: layout (input) or grid (argument)', () => {
    const layout = gridLayout(4096, 4096);
    expect(thrown(() => checkGridCanvas(layout, 3, { width: 0, height: 24 }))).toMatchObject({ code: 'INVALID_INPUT', field: 'layout' });
    expect(thrown(() => checkGridCanvas(layout, 3, { width: 0, height: 24 }, 'grid'))).toMatchObject({ code: 'INVALID_ARGUMENT', field: 'grid' });
  });

  it('a tiny file declaring a 4096×4096 frame exits 2 naming layout, no PNG written', async () => {
    const out = join(tmp, 'r4096.png');
    const r = await runCli(['render', bigFrameFile(4096), '--method', 'fastv', '--keep', '2', '--out', out]);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/^d2pruner: error \[INVALID_INPUT\] layout: .*67108864-pixel cap\n$/);
    expect(existsSync(out)).toBe(false);
  });

  it('a 2000×2000 frame at the default --cell 12 exits 2 naming cell at once', async () => {
    const out = join(tmp, 'r2000.png');
    const t0 = Date.now();
    const r = await runCli(['render', bigFrameFile(2000), '--method', 'fastv', '--keep', '2', '--out', out]);
    expect(r.code).toBe(2);
    expect(r.err).toContain('[INVALID_ARGUMENT] cell: --cell 12 draws the token grid (2000×2000) with its legend at 24000×24024 pixels');
    expect(Date.now() - t0).toBeLessThan(3000);
    expect(existsSync(out)).toBe(false);
  });

  it('the image is as wide as the wider of grid and legend: a 60000×1 grid at --cell 3 is 3×180000 px, but under a 463-px legend 463×180024', () => {
    const layout = frames([60000, 1]);
    expect(gridCanvasSize(layout, 3)).toEqual({ width: 3, height: 180_000 });
    expect(imageSize(layout, 3, { width: 463, height: 24 })).toEqual({ width: 463, height: 180_024 });
    // 3 × 180024 = 540,072 pixels fit; 463 × 180024 = 83,351,112 do not, even at the smallest --cell
    expect(() => checkGridCanvas(layout, 3, { width: 0, height: 24 })).not.toThrow();
    expect(thrown(() => checkGridCanvas(layout, 3, { width: 463, height: 24 }))).toMatchObject({ code: 'INVALID_INPUT', field: 'layout' });
  });

  it('the legend width decides which --cell fits: 20000×1 under a 463-px legend fits at --cell 7 (64,831,112 px), not 8 (74,091,112 px)', () => {
    const legend = { width: 463, height: 24 };
    const layout = frames([20000, 1]);
    expect(() => checkGridCanvas(layout, 7, legend)).not.toThrow();
    const e = thrown(() => checkGridCanvas(layout, 12, legend));
    expect([e.code, e.field]).toEqual(['INVALID_ARGUMENT', 'cell']);
    expect(e.message).toContain('at 463×240024 pixels');
    expect(e.message).toContain('use --cell 7 or less');
  });

  it('legendWidth is the width of the narrowest legend strip legendStrip draws', async () => {
    const width = await legendWidth();
    // 6 px margin + 4 swatches of 16 px, each followed by its label or an 8 px gap
    expect(width).toBeGreaterThanOrEqual(6 + 4 * (16 + 8));
    const strip = await legendStrip(1, droppedColour());
    expect([strip.width, strip.height]).toEqual([width, LEGEND_HEIGHT]);
    expect((await legendStrip(width + 50, droppedColour())).width).toBe(width + 50);
  });

  it('a 1000000×1 frame at --cell 3 (a 3×3000000 grid) exits 2 naming layout: the legend makes it ≥ 102×3000024 pixels', async () => {
    const out = join(tmp, 'tall1m.png');
    const r = await runCli(['render', tallFile(1_000_000), '--method', 'fastv', '--keep', '2', '--cell', '3', '--out', out]);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/^d2pruner: error \[INVALID_INPUT\] layout: the token grid \(1000000×1\) with its legend needs \d+ pixels even at --cell 3, over render's 67108864-pixel cap\n$/);
    expect(existsSync(out)).toBe(false);
  });

  it('a 60000×1 frame at --cell 3: refused naming layout, or a PNG of at most 2^26 pixels (without sharp the legend is narrow)', async () => {
    const out = join(tmp, 'tall60k.png');
    const r = await runCli(['render', tallFile(60_000), '--method', 'fastv', '--keep', '2', '--cell', '3', '--out', out]);
    if (r.code === 2) {
      expect(r.err).toMatch(/^d2pruner: error \[INVALID_INPUT\] layout: [^\n]*67108864-pixel cap\n$/);
      expect(existsSync(out)).toBe(false);
      return;
    }
    expect(r.code, r.err).toBe(0);
    const png = readFileSync(out);
    const [width, height] = [png.readUInt32BE(16), png.readUInt32BE(20)];
    expect(height).toBe(180_024);
    expect(width * height).toBeLessThanOrEqual(MAX_CANVAS_PIXELS);
  });
});
