import { describe, expect, it, vi } from 'vitest';
import { readImageHeader } from '../src/image/header.js';
import { loadImage } from '../src/image/load.js';
import { ImageTooLargeError, MAX_IMAGE_PIXELS, MAX_IMAGE_SIDE, checkImageSize } from '../src/image/limits.js';
import { blackPng } from './png.js';

const blob = (...parts: (number[] | Uint8Array<ArrayBuffer> | string)[]) => new Blob(parts.map((p) => (Array.isArray(p) ? new Uint8Array(p) : p)));
const be16 = (v: number) => [v >> 8, v & 0xff];
const le16 = (v: number) => [v & 0xff, v >> 8];
const le24 = (v: number) => [v & 0xff, (v >> 8) & 0xff, v >> 16];

/** A JPEG's head: SOI, a JFIF APP0, an EXIF-sized APP1 of `app1` bytes, fill bytes, then SOF0 declaring width × height. */
function jpegHead(width: number, height: number, app1 = 60_000, sof = 0xc0): Blob {
  const app0 = [0xff, 0xe0, ...be16(16), ...Array.from('JFIF\0', (c) => c.charCodeAt(0)), 1, 1, 0, 0, 1, 0, 1, 0, 0];
  const big = new Uint8Array(app1 + 4);
  big.set([0xff, 0xe1, ...be16(app1 + 2)]);
  return blob([0xff, 0xd8], app0, big, [0xff, 0xff], [0xff, sof, ...be16(17), 8, ...be16(height), ...be16(width), 3, 1, 0x22, 0, 2, 0x11, 1, 3, 0x11, 1]);
}

/** A WebP's head: RIFF, WEBP, then the first chunk. */
const webp = (chunk: string, body: number[]) => blob('RIFF', [0, 0, 0, 0], 'WEBP', chunk, [body.length, 0, 0, 0], body);

describe('reading an image header without decoding', () => {
  it('PNG: the IHDR size, also for a 249 KB "decompression bomb" declaring 16000×16000', async () => {
    expect(await readImageHeader(new Blob([blackPng(24, 16)]))).toEqual({ format: 'png', width: 24, height: 16 });
    const bomb = blackPng(16000, 16000);
    expect(bomb.length).toBeLessThan(300_000);
    expect(await readImageHeader(new Blob([bomb]))).toEqual({ format: 'png', width: 16000, height: 16000 });
  });

  it('JPEG: the frame header after the APPn segments (skipped by their lengths) and fill bytes, for baseline and progressive frames', async () => {
    expect(await readImageHeader(jpegHead(640, 480))).toEqual({ format: 'jpeg', width: 640, height: 480 });
    expect(await readImageHeader(jpegHead(65000, 60000, 10, 0xc2))).toEqual({ format: 'jpeg', width: 65000, height: 60000 });
  });

  it('WebP: lossy, lossless and extended (canvas) headers', async () => {
    expect(await readImageHeader(webp('VP8 ', [0, 0, 0, 0x9d, 0x01, 0x2a, ...le16(300), ...le16(200)]))).toEqual({ format: 'webp', width: 300, height: 200 });
    const bits = (300 - 1) | ((200 - 1) << 14);
    expect(await readImageHeader(webp('VP8L', [0x2f, bits & 0xff, (bits >> 8) & 0xff, (bits >> 16) & 0xff, bits >>> 24]))).toEqual({ format: 'webp', width: 300, height: 200 });
    expect(await readImageHeader(webp('VP8X', [0, 0, 0, 0, ...le24(99_999), ...le24(49_999)]))).toEqual({ format: 'webp', width: 100_000, height: 50_000 });
  });

  it('other formats are INVALID_INPUT (image); a truncated or malformed header is CORRUPT_FILE (image)', async () => {
    for (const other of [blob('GIF89a', [1, 0, 1, 0, 0, 0, 0]), blob('<svg xmlns="http://www.w3.org/2000/svg"/>'), blob([])]) {
      await expect(readImageHeader(other)).rejects.toMatchObject({ code: 'INVALID_INPUT', field: 'image' });
    }
    const corrupt = [
      new Blob([blackPng(4, 4).subarray(0, 20)]),
      blob([0xff, 0xd8, 0xff, 0xda, 0, 8]),
      blob([0xff, 0xd8, 0xff, 0xe0, 0, 200]),
      blob([0xff, 0xd8, 0xff, 0xe0, 0, 0]),
      webp('VP8 ', [0, 0, 0, 1, 2, 3, 0, 0, 0, 0]),
    ];
    for (const bad of corrupt) await expect(readImageHeader(bad)).rejects.toMatchObject({ code: 'CORRUPT_FILE', field: 'image' });
  });
});

describe('the image size cap', () => {
  it('allows up to 2^26 pixels and 16384 a side; beyond is ImageTooLargeError (INVALID_INPUT, image)', () => {
    expect(MAX_IMAGE_PIXELS).toBe(8192 * 8192);
    expect(MAX_IMAGE_SIDE).toBe(16384);
    for (const ok of [[8192, 8192], [16384, 4096], [1, 1]]) expect(() => checkImageSize({ width: ok[0], height: ok[1] })).not.toThrow();
    for (const big of [[8193, 8192], [16385, 1], [1, 16385], [16000, 16000]]) {
      expect(() => checkImageSize({ width: big[0], height: big[1] })).toThrow(ImageTooLargeError);
      expect(() => checkImageSize({ width: big[0], height: big[1] })).toThrow(expect.objectContaining({ code: 'INVALID_INPUT', field: 'image' }));
    }
    expect(() => checkImageSize({ width: 0, height: 10 })).toThrow(expect.objectContaining({ code: 'INVALID_INPUT', field: 'image' }));
  });

  it('loadImage never decodes an image above the cap, and closes a bitmap whose job was cancelled while it decoded', async () => {
    const decode = vi.fn(async (f: Blob) => ({ width: 1, height: 1, size: f.size, close: vi.fn() }) as unknown as ImageBitmap);
    await expect(loadImage(new Blob([blackPng(16000, 16000)]), undefined, decode)).rejects.toBeInstanceOf(ImageTooLargeError);
    expect(decode).not.toHaveBeenCalled();
    const small = await loadImage(new Blob([blackPng(24, 24)]), undefined, decode);
    expect(decode).toHaveBeenCalledTimes(1);
    expect(small.close).not.toHaveBeenCalled();

    const controller = new AbortController();
    let decoded: ImageBitmap | undefined;
    const slow = async () => {
      decoded = { width: 1, height: 1, close: vi.fn() } as unknown as ImageBitmap;
      controller.abort();
      return decoded;
    };
    await expect(loadImage(new Blob([blackPng(24, 24)]), controller.signal, slow)).rejects.toMatchObject({ name: 'AbortError' });
    expect(decoded!.close).toHaveBeenCalledTimes(1);
  });
});
