import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inflateSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
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

describe('d2pruner render', () => {
  it('draws pivots red, picks blue, on the token grid; frames side by side', async () => {
    const out = join(tmp, 'overlay.png');
    const sel = JSON.parse((await runCli(['prune', join(VEC, 'internvl-2x3-7.safetensors'), '--keep', '40', '--json'])).out);
    const r = await runCli(['render', join(VEC, 'internvl-2x3-7.safetensors'), '--keep', '40', '--out', out, '--cell', '8']);
    expect(r.code).toBe(0);
    const img = decode(readFileSync(out));
    // frames 32×48 and 16×16 side by side with an 8-px gap
    expect([img.width, img.height]).toEqual([48 * 8 + 8 + 16 * 8, 32 * 8]);
    const layout = JSON.parse(readSafetensors(readFileSync(join(VEC, 'internvl-2x3-7.safetensors'))).metadata['d2pruner.layout']) as { frame: number[]; row: number[]; col: number[] };
    const centre = (k: number) => img.px((layout.frame[k] === 0 ? 0 : 48 * 8 + 8) + layout.col[k] * 8 + 4, layout.row[k] * 8 + 4);
    expect(centre(sel.pivots[0])).toEqual([230, 57, 70, 255]);
    expect(centre(sel.picks[0])).toEqual([29, 120, 230, 255]);
  });

  it('--image is a clear typed error; no --out is too', async () => {
    const a = await runCli(['render', join(VEC, 'grid6-7.safetensors'), '--keep', '4', '--out', join(tmp, 'x.png'), '--image', 'photo.png']);
    expect(a.code).toBe(2);
    expect(a.err).toContain('[INVALID_ARGUMENT] image:');
    const b = await runCli(['render', join(VEC, 'grid6-7.safetensors'), '--keep', '4']);
    expect(b.code).toBe(2);
    expect(b.err).toContain('[INVALID_ARGUMENT] out:');
  });
});
