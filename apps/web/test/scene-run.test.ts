import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { writeSafetensors } from '@d2pruner/core';
import { MAX_FILE_BYTES, SceneError, checkFileSize, sceneFromBytes } from '../src/scene.js';
import { runInPage, runOnServer, serverQuery } from '../src/run.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const sample = new Uint8Array(readFileSync(resolve(ROOT, 'fixtures/samples/llava-sample.safetensors')));
const cases = JSON.parse(readFileSync(resolve(ROOT, 'fixtures/vectors/d2pruner/cases-7.json'), 'utf8')) as { input: string; keep: number; params: object; expected: { keep: number[]; pivots: number[]; picks: number[]; rounds: number } }[];
const expected64 = cases.find((c) => c.input === 'llava-7.safetensors' && c.keep === 64 && Object.keys(c.params).length === 0)!.expected;

describe('sceneFromBytes', () => {
  it('decodes the bundled sample: 576 tokens on a 24×24 grid with its object boxes', () => {
    const s = sceneFromBytes('llava-sample.safetensors', sample, 'llava-sample');
    expect(s).toMatchObject({ n: 576, d: 256, sample: 'llava-sample' });
    expect(s.layout.frames).toEqual([{ rows: 24, cols: 24 }]);
    expect(s.objects.length).toBeGreaterThan(0);
    for (const o of s.objects) expect(o.box.every((v) => v >= 0 && v <= 1)).toBe(true);
  });

  it('turns a corrupt or truncated file into a readable error naming the file, code and field', () => {
    expect(() => sceneFromBytes('bad.safetensors', new Uint8Array(12))).toThrow(SceneError);
    try {
      sceneFromBytes('bad.safetensors', new TextEncoder().encode('hello world, not a tensor file'));
    } catch (e) {
      expect((e as SceneError).message).toMatch(/^Could not read bad\.safetensors: CORRUPT_FILE \(header\) — /);
    }
    expect(() => sceneFromBytes('cut.safetensors', sample.subarray(0, 5000))).toThrow(/Could not read cut\.safetensors: CORRUPT_FILE/);
  });

  it('refuses a file above the 64 MiB cap from its size alone', () => {
    expect(MAX_FILE_BYTES).toBe(64 * 1024 * 1024);
    expect(() => checkFileSize('ok.safetensors', MAX_FILE_BYTES)).not.toThrow();
    expect(() => checkFileSize('big.safetensors', MAX_FILE_BYTES + 1)).toThrow(
      expect.objectContaining({ name: 'SceneError', file: 'big.safetensors', code: 'PAYLOAD_TOO_LARGE', field: 'size', message: expect.stringMatching(/^Could not read big\.safetensors: PAYLOAD_TOO_LARGE \(size\) — the file has 67108865 bytes; at most 67108864/) }),
    );
  });

  it('asks for a layout when N is not square and the file has none', () => {
    const f = writeSafetensors({ features: { shape: [6, 2], data: new Float32Array(12) }, attention: { shape: [6], data: new Float32Array(6) } });
    expect(() => sceneFromBytes('six.safetensors', f)).toThrow(/INVALID_INPUT \(layout\)/);
  });
});

describe('runInPage (CPU) and runOnServer', () => {
  it('gives the spec-vector selection on the CPU', async () => {
    const s = sceneFromBytes('llava-sample.safetensors', sample);
    const r = await runInPage(s, 'd2pruner', 64, {}, 'cpu');
    expect(r.ok).toBe(true);
    if (r.ok) expect({ keep: r.selection.keep, pivots: r.selection.pivots, picks: r.selection.picks, rounds: r.selection.rounds }).toEqual(expected64);
    const bad = await runInPage(s, 'd2pruner', 64, { alpha: 3 }, 'cpu');
    expect(bad).toMatchObject({ ok: false, error: { code: 'INVALID_INPUT', field: 'alpha' } });
  });

  it('asks the server for a sample by name and uploads other scenes', async () => {
    const calls: { url: string; init?: RequestInit }[] = [];
    const fake = (async (url: string | URL | Request, init?: RequestInit) => {
      calls.push({ url: String(url), init });
      return new Response(JSON.stringify({ method: 'd2pruner', n: 576, budget: 8, keep: [1], backend: 'cpu', timings: { totalMs: 1 } }), { status: 200 });
    }) as typeof fetch;
    const named = sceneFromBytes('llava-sample.safetensors', sample, 'llava-sample');
    const r = await runOnServer(named, 'd2pruner', 8, { alpha: 0.5 }, fake);
    expect(r).toMatchObject({ ok: true, target: 'server' });
    expect(calls[0].url).toBe('./v1/prune?method=d2pruner&keep=8&alpha=0.5&sample=llava-sample');
    expect(calls[0].init?.body).toBeUndefined();
    const dropped = sceneFromBytes('mine.safetensors', sample);
    await runOnServer(dropped, 'fastv', 8, {}, fake);
    expect(calls[1].url).toBe('./v1/prune?method=fastv&keep=8');
    expect(calls[1].init?.headers).toEqual({ 'content-type': 'application/octet-stream' });
    const failing = (async () => new Response(JSON.stringify({ error: { code: 'OVERLOADED', field: 'server', message: 'busy' } }), { status: 503 })) as typeof fetch;
    expect(await runOnServer(named, 'd2pruner', 8, {}, failing)).toMatchObject({ ok: false, error: { code: 'OVERLOADED' } });
    expect(serverQuery('uniform', 3, { x: true })).toBe('method=uniform&keep=3&x=true');
  });

  it('a server answer that is not JSON (no server behind the page: a 404 page, an empty 502) is an HTTP error naming the server, not a JSON parse error', async () => {
    const named = sceneFromBytes('llava-sample.safetensors', sample, 'llava-sample');
    const notFound = (async () => new Response('', { status: 404, statusText: 'Not Found' })) as typeof fetch;
    const r = await runOnServer(named, 'd2pruner', 8, {}, notFound);
    expect(r).toMatchObject({ ok: false, target: 'server', error: { code: 'HTTP 404', field: 'server', message: expect.stringMatching(/^POST \/v1\/prune gave HTTP 404 Not Found .*d2pruner server running/) } });
    const html = (async () => new Response('<html>Bad Gateway</html>', { status: 502 })) as typeof fetch;
    expect(await runOnServer(named, 'd2pruner', 8, {}, html)).toMatchObject({ ok: false, error: { code: 'HTTP 502', field: 'server' } });
  });
});
