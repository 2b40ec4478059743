import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inflateSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeImage } from '../src/render/image.js';
import { requireSharp } from '../src/render/sharp.js';
import { ROOT, runCli } from './helpers.js';

const tmp = mkdtempSync(join(tmpdir(), 'd2pruner-render-size-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** Size and pixel reader of the PNG render writes (8-bit RGBA, filter 0), decoded with zlib only. */
function decodePng(png: Uint8Array): { width: number; height: number; px: (x: number, y: number) => number[] } {
  const view = new DataView(png.buffer, png.byteOffset, png.byteLength);
  const width = view.getUint32(16);
  const height = view.getUint32(20);
  const idat: Uint8Array[] = [];
  for (let at = 8; at < png.length; ) {
    const len = view.getUint32(at);
    if (new TextDecoder().decode(png.subarray(at + 4, at + 8)) === 'IDAT') idat.push(png.subarray(at + 8, at + 8 + len));
    at += 12 + len;
  }
  const raw = inflateSync(Buffer.concat(idat));
  const stride = width * 4 + 1;
  return { width, height, px: (x, y) => Array.from(raw.subarray(y * stride + 1 + x * 4, y * stride + 5 + x * 4)) };
}

describe('render --image never holds the source image at full resolution', () => {
  const big = join(tmp, 'grey-3000x2000.png');
  beforeAll(async () => {
    const sharp = (await import('sharp')).default;
    await sharp({ create: { width: 3000, height: 2000, channels: 3, background: { r: 100, g: 100, b: 100 } } }).png().toFile(big);
  });

  it('decodeImage: the size from the header, the pixels already scaled to the 768-px panel (768×512, not 3000×2000)', async () => {
    const source = await decodeImage(await requireSharp('test'), new Uint8Array(readFileSync(big)));
    expect([source.width, source.height]).toEqual([3000, 2000]);
    expect([source.scaled.width, source.scaled.height]).toEqual([768, 512]);
    expect(source.scaled.data.length).toBe(768 * 512 * 4);
    expect(Array.from(source.scaled.data.subarray(0, 4))).toEqual([100, 100, 100, 255]);
  });

  it('decodeImage: EXIF orientation 6 (rotate 90°) swaps the sides the model sees', async () => {
    const sharp = (await import('sharp')).default;
    const jpeg = await sharp({ create: { width: 300, height: 200, channels: 3, background: { r: 0, g: 0, b: 0 } } }).withMetadata({ orientation: 6 }).jpeg().toBuffer();
    const source = await decodeImage(await requireSharp('test'), new Uint8Array(jpeg));
    expect([source.width, source.height, source.scaled.width, source.scaled.height]).toEqual([200, 300, 200, 300]);
  });

  it('LLaVA-1.5 over a 3000×2000 image: token boxes scaled by 768/3000 (pad 500 px above: 128 px; cells of 125 px: 32 px)', async () => {
    const file = join(ROOT, 'fixtures/samples/llava-sample.safetensors');
    const out = join(tmp, 'llava-3000.png');
    const sel = JSON.parse((await runCli(['prune', file, '--keep', '64', '--json'])).out) as { keep: number[]; pivots: number[] };
    const r = await runCli(['render', file, '--keep', '64', '--out', out, '--image', big, '--model', 'llava-1.5-7b']);
    expect(r.code, r.err).toBe(0);
    const img = decodePng(readFileSync(out));
    expect([img.width, img.height]).toEqual([768, 512 + 24]);
    // token k: row ⌊k/24⌋, col k mod 24; its 32-px cell starts at (32·col, 32·row − 128); rows 4…19 lie inside the image
    const centre = (k: number) => img.px(32 * (k % 24) + 16, 32 * Math.floor(k / 24) - 128 + 16);
    const inside = (k: number) => k >= 4 * 24 && k < 20 * 24;
    const pivot = sel.pivots.find(inside)!;
    const dropped = Array.from({ length: 576 }, (_, k) => k).find((k) => inside(k) && !sel.keep.includes(k))!;
    // 45% of the pivot orange #ff9f1c over grey 100; 70% of the background #1b2030 over it
    expect(centre(pivot)).toEqual([170, 127, 68, 255]);
    expect(centre(dropped)).toEqual([49, 52, 64, 255]);
  });
});
