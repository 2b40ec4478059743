import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { gridLayout, isD2PrunerError, writeSafetensors, type Layout } from '@d2pruner/core';
import { MAX_CANVAS_PIXELS, checkGridCanvas, gridCanvasSize } from '../src/render/grid-size.js';
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
    expect(() => checkGridCanvas(layout, 4, 24)).not.toThrow();
    const e = thrown(() => checkGridCanvas(layout, 5, 24));
    expect([e.code, e.field]).toEqual(['INVALID_ARGUMENT', 'cell']);
    expect(e.message).toContain('use --cell 4 or less');
  });

  it('a grid too large even at --cell 3 names its source: layout (input) or grid (argument)', () => {
    const layout = gridLayout(4096, 4096);
    expect(thrown(() => checkGridCanvas(layout, 3, 24))).toMatchObject({ code: 'INVALID_INPUT', field: 'layout' });
    expect(thrown(() => checkGridCanvas(layout, 3, 24, 'grid'))).toMatchObject({ code: 'INVALID_ARGUMENT', field: 'grid' });
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
    expect(r.err).toContain('[INVALID_ARGUMENT] cell: --cell 12 draws the token grid (2000×2000) at 24000×24000 pixels');
    expect(Date.now() - t0).toBeLessThan(3000);
    expect(existsSync(out)).toBe(false);
  });
});
