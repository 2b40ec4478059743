import { describe, expect, it } from 'vitest';
import { testImagePng } from '@d2pruner-tools/tiny-model';
import { MAX_IMAGE_PIXELS, imageFromRequest, parseGenerateRequest, parseServerArgs, sseEvent, type ServerConfig } from '../src/index.js';

/** A JPEG head: SOI, an APP0 segment, then a baseline SOF0 frame header of `width`×`height`. */
function jpegHead(width: number, height: number): Uint8Array {
  const app0 = [0xff, 0xe0, 0x00, 0x10, 0x4a, 0x46, 0x49, 0x46, 0x00, 0x01, 0x01, 0x00, 0x00, 0x01, 0x00, 0x01, 0x00, 0x00];
  const sof0 = [0xff, 0xc0, 0x00, 0x11, 0x08, height >> 8, height & 0xff, width >> 8, width & 0xff, 0x03, 0x01, 0x22, 0x00, 0x02, 0x11, 0x01, 0x03, 0x11, 0x01];
  return new Uint8Array([0xff, 0xd8, ...app0, 0xff, 0xff, ...sof0]);
}

const b64 = (bytes: Uint8Array) => Buffer.from(bytes).toString('base64');

describe('imageFromRequest', () => {
  it('reads the format and size of a PNG from base64 or a data: URL (standard or URL-safe, whitespace ignored)', () => {
    const png = testImagePng(37, 21, 1);
    for (const v of [b64(png), `data:image/png;base64,${b64(png)}`, `data:;base64,${b64(png)}`, b64(png).replace(/\+/g, '-').replace(/\//g, '_'), b64(png).replace(/(.{60})/g, '$1\n')]) {
      const img = imageFromRequest(v);
      expect(img).toMatchObject({ format: 'png', width: 37, height: 21 });
      expect(Buffer.from(img.bytes).equals(Buffer.from(png))).toBe(true);
    }
  });

  it('reads a JPEG frame header after other segments (and fill bytes)', () => {
    expect(imageFromRequest(`data:image/jpeg;base64,${b64(jpegHead(640, 480))}`)).toMatchObject({ format: 'jpeg', width: 640, height: 480 });
  });

  it('refuses other formats, truncated headers and zero sizes as INVALID_INPUT, big images as PAYLOAD_TOO_LARGE', () => {
    const invalid = (v: unknown) => expect(() => imageFromRequest(v), String(v).slice(0, 40)).toThrow(expect.objectContaining({ code: 'INVALID_INPUT', field: 'image' }));
    invalid(undefined);
    invalid('   ');
    invalid('abc$');
    invalid('a');
    invalid(b64(new TextEncoder().encode('BM not a bitmap')));
    invalid(b64(testImagePng(4, 4).subarray(0, 20)));
    invalid(b64(jpegHead(640, 480).subarray(0, 22)));
    invalid(b64(jpegHead(0, 480)));
    invalid('data:image/webp;base64,AAAA');
    invalid('data:image/png;base64');
    const side = Math.sqrt(MAX_IMAGE_PIXELS);
    expect(imageFromRequest(b64(jpegHead(side, side)))).toMatchObject({ width: side, height: side });
    expect(() => imageFromRequest(b64(jpegHead(side + 1, side)))).toThrow(expect.objectContaining({ code: 'PAYLOAD_TOO_LARGE', field: 'image' }));
  });
});

describe('parseGenerateRequest', () => {
  const image = b64(testImagePng(8, 8));

  it('fills the defaults (d2pruner, 32 tokens, relevance, adapter layout) and canonical method names', () => {
    expect(parseGenerateRequest({ prompt: 'x', image, keep: 8 })).toMatchObject({ prompt: 'x', noPrune: false, method: 'd2pruner', keep: 8, params: {}, importance: 'relevance', layout: 'adapter', maxNewTokens: 32 });
    const none = parseGenerateRequest({ prompt: 'x', image, noPrune: true });
    expect(none).toMatchObject({ noPrune: true, method: null });
    expect(none).not.toHaveProperty('keep');
    expect(none).not.toHaveProperty('ratio');
    expect(parseGenerateRequest({ prompt: 'x', image, method: 'window', keep: 4 }).method).toBe('uniform');
    expect(parseGenerateRequest({ prompt: 'x', image, ratio: 0.5, 'max-new-tokens': 3 })).toMatchObject({ ratio: 0.5, maxNewTokens: 3 });
  });

  it('honours the processor image placeholder', () => {
    expect(parseGenerateRequest({ prompt: 'A <img> B', image, keep: 1 }, '<img>').prompt).toBe('A <img> B');
    expect(() => parseGenerateRequest({ prompt: '<img><img>', image, keep: 1 }, '<img>')).toThrow(expect.objectContaining({ field: 'prompt' }));
  });

  it('names a key given twice (camelCase and kebab-case)', () => {
    expect(() => parseGenerateRequest({ prompt: 'x', image, keep: 1, maxNewTokens: 2, 'max-new-tokens': 3 })).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT', field: 'max-new-tokens' }));
  });
});

describe('sseEvent', () => {
  it('writes one event: one data line of JSON (newlines escaped), a blank line after', () => {
    expect(sseEvent('token', { index: 0, id: 10, text: 'a\nb' })).toBe('event: token\ndata: {"index":0,"id":10,"text":"a\\nb"}\n\n');
    expect(() => sseEvent('bad\nname', {})).toThrow(expect.objectContaining({ field: 'event' }));
  });
});

describe('model configuration', () => {
  const config = (argv: string[], env: Record<string, string> = {}): ServerConfig => {
    const r = parseServerArgs(argv, env);
    if (r.help) throw new Error('unexpected help');
    return r.config;
  };

  it('--model-dir, --model-device, --model-dtype, --generate-timeout-ms and their variables', () => {
    expect(config([])).toMatchObject({ modelDir: null, modelDevice: 'cpu', modelDtype: null, generateTimeoutMs: 300_000 });
    const env = { D2PRUNER_MODEL_DIR: '/models/a', D2PRUNER_MODEL_DTYPE: 'q4', D2PRUNER_GENERATE_TIMEOUT_MS: '1000' };
    expect(config([], env)).toMatchObject({ modelDir: '/models/a', modelDtype: 'q4', generateTimeoutMs: 1000 });
    expect(config(['--model-dir', '/models/b', '--model-device=webgpu', '--model-dtype', 'none'], env)).toMatchObject({ modelDir: '/models/b', modelDevice: 'webgpu', modelDtype: null });
    expect(() => config(['--generate-timeout-ms', '0'])).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT', field: 'generate-timeout-ms' }));
  });
});
