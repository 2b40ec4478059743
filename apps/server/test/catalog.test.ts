import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningServer } from '../src/index.js';
import { SAMPLE, call, errorOf, start } from './helpers.js';

let server: RunningServer;
beforeAll(async () => {
  server = await start();
});
afterAll(() => server.close());

describe('GET /v1/methods', () => {
  it('lists every built-in method with its parameters and defaults', async () => {
    const res = await call(`${server.url}/v1/methods`);
    expect(res.status).toBe(200);
    const methods = res.json as { name: string; params: { name: string; default?: unknown; flag: string }[]; inputs: { required: string[] } }[];
    expect(methods.map((m) => m.name)).toEqual(expect.arrayContaining(['d2pruner', 'fastv', 'dart', 'divprune', 'vispruner', 'visionzip', 'cdpruner', 'uniform', 'random']));
    const d2 = methods.find((m) => m.name === 'd2pruner')!;
    expect(d2.inputs.required).toEqual(['features', 'attention']);
    const byName = new Map(d2.params.map((p) => [p.name, p]));
    expect(byName.get('pivotRatio')).toMatchObject({ default: 0.7, flag: '--pivot-ratio' });
    expect(byName.get('theta')).toMatchObject({ default: 0.8 });
    expect(byName.get('alpha')).toMatchObject({ default: 1 });
    expect(byName.get('radius')).toMatchObject({ default: 1 });
  });
});

describe('samples', () => {
  it('lists the bundled samples and serves their bytes', async () => {
    const res = await call(`${server.url}/v1/samples`);
    expect(res.status).toBe(200);
    const list = res.json as { name: string; n: number; d: number; url: string; frames?: { rows: number; cols: number }[]; tensors?: string[] }[];
    const llava = list.find((s) => s.name === 'llava-sample');
    expect(llava).toMatchObject({ n: 576, d: 256, url: '/samples/llava-sample.safetensors', frames: [{ rows: 24, cols: 24 }] });
    expect(list.find((s) => s.name === 'internvl-2x3-7')?.frames).toHaveLength(2);
    for (const name of ['llava-sample', 'internvl-sample']) {
      expect(list.find((s) => s.name === name)?.tensors).toEqual(expect.arrayContaining(['features', 'attention', 'prior', 'clsAttention', 'keys', 'textFeatures', 'textKeys', 'imageEmbeds', 'textEmbeds']));
    }
    const file = await fetch(`${server.url}${llava!.url}`);
    expect(file.status).toBe(200);
    expect(file.headers.get('content-type')).toBe('application/octet-stream');
    expect(Buffer.from(await file.arrayBuffer()).equals(readFileSync(SAMPLE))).toBe(true);
    const missing = await call(`${server.url}/samples/nope.safetensors`);
    expect(missing.status).toBe(422);
    expect(errorOf(missing)).toMatchObject({ code: 'UNKNOWN_NAME', field: 'sample' });
  });
});

describe('GET /v1/flops', () => {
  it("reproduces the spec's worked example (LLaVA-1.5-7B, keep 64, K = 2, 75 other tokens: 74.2%)", async () => {
    const res = await call(`${server.url}/v1/flops?model=llava-1.5-7b&keep=64&layer=2&text=75&visual=576`);
    expect(res.status).toBe(200);
    const r = res.json as { model: string; visual: number; keep: number; layer: number; full: { macs: number }; pruned: { macs: number }; reduction: number };
    expect(r).toMatchObject({ visual: 576, keep: 64, layer: 2 });
    expect(r.full.macs / 3.387e12).toBeCloseTo(1, 2);
    expect(r.pruned.macs / 0.872e12).toBeCloseTo(1, 2);
    expect(r.reduction).toBeCloseTo(0.742, 3);
    const exact = await call(`${server.url}/v1/flops?model=llava-1.5-7b&keep=64&layer=2&text=75&visual=576&formula=exact`);
    expect((exact.json as { full: { macs: number } }).full.macs).not.toBe(r.full.macs);
    const img = await call(`${server.url}/v1/flops?model=internvl-2.5-8b&keep=256&image=448x448`);
    expect(img.status).toBe(200);
  });

  it('422 naming the field for missing or bad parameters', async () => {
    const cases: [string, string, string][] = [
      ['?keep=64', 'INVALID_ARGUMENT', 'model'],
      ['?model=llava-1.5-7b', 'INVALID_ARGUMENT', 'keep'],
      ['?model=gpt-9&keep=64', 'UNKNOWN_NAME', 'model'],
      ['?model=llava-1.5-7b&visual=576&keep=abc', 'INVALID_ARGUMENT', 'keep'],
      ['?model=llava-1.5-7b&visual=576&keep=64&formula=magic', 'INVALID_INPUT', 'formula'],
      ['?model=llava-1.5-7b&keep=64&image=big', 'INVALID_ARGUMENT', 'image'],
      ['?model=llava-1.5-7b&keep=64&colour=red', 'INVALID_ARGUMENT', 'colour'],
      ['?model=llava-1.5-7b&keep=64', 'INVALID_INPUT', 'visual'],
      // as `d2pruner flops`: --visual and --image are alternatives, not one silently ignored
      ['?model=llava-next-7b&keep=64&visual=100&image=672x672', 'INVALID_ARGUMENT', 'image'],
      // one option under its two spellings
      ['?model=internvl-2.5-8b&keep=64&image=896x896&max-tiles=1&maxTiles=12', 'INVALID_ARGUMENT', 'max-tiles'],
      // as `d2pruner flops`: max-tiles tiles an image, so with a token count it is refused, not ignored
      ['?model=internvl-2.5-8b&keep=64&visual=576&max-tiles=65', 'INVALID_ARGUMENT', 'max-tiles'],
      ['?model=internvl-2.5-8b&keep=64&visual=576&maxTiles=6', 'INVALID_ARGUMENT', 'max-tiles'],
      ['?model=llava-1.5-7b&keep=64&visual=576&max-tiles=6', 'INVALID_ARGUMENT', 'max-tiles'],
    ];
    for (const [q, code, field] of cases) {
      const res = await call(`${server.url}/v1/flops${q}`);
      expect(res.status, q).toBe(422);
      const e = errorOf(res);
      expect(e.code, q).toBe(code);
      expect(e.field, q).toBe(field);
    }
  });

  it('takes the tiling limit under either spelling', async () => {
    const kebab = await call(`${server.url}/v1/flops?model=internvl-2.5-8b&keep=64&image=896x896&max-tiles=2`);
    const camel = await call(`${server.url}/v1/flops?model=internvl-2.5-8b&keep=64&image=896x896&maxTiles=2`);
    const tiled = await call(`${server.url}/v1/flops?model=internvl-2.5-8b&keep=64&image=896x896`);
    expect(kebab.status).toBe(200);
    expect(camel.json).toEqual(kebab.json);
    expect((kebab.json as { visual: number }).visual).toBeLessThan((tiled.json as { visual: number }).visual);
  });
});

describe('GET /v1/layout', () => {
  it('gives the tokens an image becomes (LLaVA-1.5: 24×24; LLaVA-NeXT 640×480: 2340 tokens)', async () => {
    const res = await call(`${server.url}/v1/layout?model=llava-1.5-7b&image=336x336`);
    expect(res.status).toBe(200);
    expect(res.json).toMatchObject({ tokens: 576, candidates: 576, frames: [{ rows: 24, cols: 24 }] });
    const next = await call(`${server.url}/v1/layout?model=llava-next-7b&image=640x480`);
    expect((next.json as { tokens: number }).tokens).toBe(2340);
  });

  it('422 for a missing image or model', async () => {
    const a = await call(`${server.url}/v1/layout?model=llava-1.5-7b`);
    expect(a.status).toBe(422);
    expect(errorOf(a)).toMatchObject({ code: 'INVALID_ARGUMENT', field: 'image' });
    const b = await call(`${server.url}/v1/layout?image=336x336`);
    expect(errorOf(b)).toMatchObject({ code: 'INVALID_ARGUMENT', field: 'model' });
  });

  it('422 naming model for an unknown model, and max-tiles given under both spellings', async () => {
    const unknown = await call(`${server.url}/v1/layout?model=gpt-9&image=336x336`);
    expect(unknown.status).toBe(422);
    expect(errorOf(unknown)).toMatchObject({ code: 'UNKNOWN_NAME', field: 'model', message: expect.stringContaining('llava-1.5-7b') });
    const twice = await call(`${server.url}/v1/layout?model=internvl-2.5-8b&image=896x896&maxTiles=12&max-tiles=1`);
    expect(twice.status).toBe(422);
    expect(errorOf(twice)).toMatchObject({ code: 'INVALID_ARGUMENT', field: 'max-tiles' });
  });
});
