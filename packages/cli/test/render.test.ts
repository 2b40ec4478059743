import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inflateSync } from 'node:zlib';
import { beforeAll, describe, expect, it } from 'vitest';
import { readSafetensors } from '@d2pruner/core';
import { ROOT, runCli } from './helpers.js';

const tmp = mkdtempSync(join(tmpdir(), 'd2pruner-render-'));
const VEC = join(ROOT, 'fixtures/vectors/d2pruner');

/** Decodes the PNG this command writes (8-bit RGBA, filter 0 rows) with zlib, independently of the encoder. */
function decode(png: Uint8Array): { width: number; height: number; px: (x: number, y: number) => number[] } {
  expect(Array.from(png.subarray(0, 8))).toEqual([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  const view = new DataView(png.buffer, png.byteOffset, png.byteLength);
  let at = 8;
  let width = 0;
  let height = 0;
  const idat: Uint8Array[] = [];
  while (at < png.length) {
    const len = view.getUint32(at);
    const type = new TextDecoder().decode(png.subarray(at + 4, at + 8));
    const data = png.subarray(at + 8, at + 8 + len);
    if (type === 'IHDR') {
      width = view.getUint32(at + 8);
      height = view.getUint32(at + 12);
      expect([data[8], data[9]]).toEqual([8, 6]);
    }
    if (type === 'IDAT') idat.push(data);
    at += 12 + len;
  }
  const raw = inflateSync(Buffer.concat(idat));
  const stride = width * 4 + 1;
  return { width, height, px: (x, y) => Array.from(raw.subarray(y * stride + 1 + x * 4, y * stride + 1 + x * 4 + 4)) };
}

const PIVOT = [0xff, 0x9f, 0x1c, 255];
const PICK = [0x2e, 0xc4, 0xf1, 255];
const LEGEND = 24;

describe('d2pruner render', () => {
  it("draws pivots and picks in the web app's colours on the token grid, frames side by side, with a legend", async () => {
    const out = join(tmp, 'overlay.png');
    const sel = JSON.parse((await runCli(['prune', join(VEC, 'internvl-2x3-7.safetensors'), '--keep', '40', '--json'])).out);
    const r = await runCli(['render', join(VEC, 'internvl-2x3-7.safetensors'), '--keep', '40', '--out', out, '--cell', '8']);
    expect(r.code).toBe(0);
    expect(r.err).toContain('#ff9f1c pivot');
    const img = decode(readFileSync(out));
    // frames 32×48 and 16×16 side by side with an 8-px gap, the legend strip below
    expect(img.width).toBeGreaterThanOrEqual(48 * 8 + 8 + 16 * 8);
    expect(img.height).toBe(32 * 8 + LEGEND);
    const layout = JSON.parse(readSafetensors(readFileSync(join(VEC, 'internvl-2x3-7.safetensors'))).metadata['d2pruner.layout']) as { frame: number[]; row: number[]; col: number[] };
    const centre = (k: number) => img.px((layout.frame[k] === 0 ? 0 : 48 * 8 + 8) + layout.col[k] * 8 + 4, layout.row[k] * 8 + 4);
    expect(centre(sel.pivots[0])).toEqual(PIVOT);
    expect(centre(sel.picks[0])).toEqual(PICK);
    // the legend: the pivot swatch first, the pick swatch further along the same row
    expect(img.px(12, 32 * 8 + 12)).toEqual(PIVOT);
    expect(Array.from({ length: img.width }, (_, x) => img.px(x, 32 * 8 + 12).join())).toContain(PICK.join());
  });

  it('no --out, or --model without --image, is a clear typed error', async () => {
    const b = await runCli(['render', join(VEC, 'grid6-7.safetensors'), '--keep', '4']);
    expect(b.code).toBe(2);
    expect(b.err).toContain('[INVALID_ARGUMENT] out:');
    const c = await runCli(['render', join(VEC, 'grid6-7.safetensors'), '--keep', '4', '--out', join(tmp, 'c.png'), '--model', 'llava-1.5-7b']);
    expect(c.err).toContain('[INVALID_ARGUMENT] model:');
  });
});

describe('d2pruner render --image', () => {
  const grey = join(tmp, 'grey-640x480.png');
  const SAMPLES = join(ROOT, 'fixtures/samples');
  beforeAll(async () => {
    const sharp = (await import('sharp')).default;
    await sharp({ create: { width: 640, height: 480, channels: 3, background: { r: 100, g: 100, b: 100 } } }).png().toFile(grey);
  });

  it('LLaVA-1.5 (pad to a square, resize): kept regions tinted on the image, pruned ones darkened, padding skipped', async () => {
    const out = join(tmp, 'llava-image.png');
    const file = join(SAMPLES, 'llava-sample.safetensors');
    const sel = JSON.parse((await runCli(['prune', file, '--keep', '64', '--json'])).out) as { keep: number[]; pivots: number[]; picks: number[] };
    const r = await runCli(['render', file, '--keep', '64', '--out', out, '--image', grey, '--model', 'llava-1.5-7b']);
    expect(r.code, r.err).toBe(0);
    const img = decode(readFileSync(out));
    expect([img.width, img.height]).toEqual([640, 480 + LEGEND]);
    // LLaVA-1.5 pads 640×480 to 640×640 (80 px above and below) and cuts 24×24 cells of 640/24 px.
    const cell = 640 / 24;
    const at = (k: number) => img.px(Math.floor(((k % 24) + 0.5) * cell), Math.floor((Math.floor(k / 24) + 0.5) * cell - 80));
    const inImage = (k: number) => (Math.floor(k / 24) + 0.5) * cell - 80 > 2 && (Math.floor(k / 24) + 0.5) * cell - 80 < 478;
    const pivot = sel.pivots.find(inImage)!;
    const pick = sel.picks.find(inImage)!;
    const dropped = Array.from({ length: 576 }, (_, k) => k).find((k) => inImage(k) && !sel.keep.includes(k))!;
    // 45% of the kind's colour over the grey 100, and 70% of the background #1b2030 over it
    expect(at(pivot)).toEqual([170, 127, 68, 255]);
    expect(at(pick)).toEqual([76, 143, 163, 255]);
    expect(at(dropped)).toEqual([49, 52, 64, 255]);
  });

  it('InternVL (2×3 tiles and the thumbnail): one panel per frame', async () => {
    const out = join(tmp, 'internvl-image.png');
    const r = await runCli(['render', join(SAMPLES, 'internvl-sample.safetensors'), '--keep', '179', '--out', out, '--image', grey, '--model', 'internvl-2.5-8b', '--max-tiles', '6']);
    expect(r.code, r.err).toBe(0);
    const img = decode(readFileSync(out));
    expect([img.width, img.height]).toEqual([640 + 8 + 640, 480 + LEGEND]);
  });

  it("a model whose layout contradicts the file's, no model, or a file that is not an image: typed errors", async () => {
    const file = join(SAMPLES, 'llava-sample.safetensors');
    const other = await runCli(['render', file, '--keep', '64', '--out', join(tmp, 'x.png'), '--image', grey, '--model', 'internvl-2.5-8b']);
    expect(other.code).toBe(2);
    expect(other.err).toContain('[INVALID_ARGUMENT] image:');
    const none = await runCli(['render', file, '--keep', '64', '--out', join(tmp, 'x.png'), '--image', grey]);
    expect(none.err).toContain('[INVALID_ARGUMENT] model:');
    const notImage = await runCli(['render', file, '--keep', '64', '--out', join(tmp, 'x.png'), '--image', file, '--model', 'llava-1.5-7b']);
    expect(notImage.code).toBe(2);
    expect(notImage.err).toContain('[INVALID_INPUT] image:');
  });
});
