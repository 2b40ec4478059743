import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { layoutToJson, readSafetensors, tokenInputFromSafetensors, writeSafetensors } from '@d2pruner/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningServer } from '../src/index.js';
import { SAMPLE, VECTORS, call, errorOf, postBytes, postJson, start, vectorCase } from './helpers.js';

let server: RunningServer;
const sample = new Uint8Array(readFileSync(SAMPLE));

beforeAll(async () => {
  server = await start({ maxBodyBytes: 2 * 1024 * 1024, maxElements: 200_000, maxTokens: 1000 });
});
afterAll(() => server.close());

/** The grid6-7 scene (6×6, D 16) as the JSON body form. */
function grid6Json(): Record<string, unknown> {
  const input = tokenInputFromSafetensors(readSafetensors(readFileSync(resolve(VECTORS, 'grid6-7.safetensors'))));
  const f = input.features!;
  const rows = Array.from({ length: f.rows }, (_, r) => Array.from(f.data.subarray(r * f.cols, (r + 1) * f.cols)));
  const body: Record<string, unknown> = { features: rows, attention: Array.from(input.attention!) };
  if (input.prior) body.prior = Array.from(input.prior);
  if (input.layout) body.layout = layoutToJson(input.layout);
  return body;
}

describe('POST /v1/prune', () => {
  it('prunes a safetensors body exactly as the spec vectors say (docs/formats.md §2)', async () => {
    const want = vectorCase('llava-7.safetensors', 64).expected;
    const res = await postBytes(`${server.url}/v1/prune?method=d2pruner&keep=64`, sample);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    const s = res.json as Record<string, unknown>;
    expect(s).toMatchObject({ method: 'd2pruner', n: 576, budget: 64, keep: want.keep, pivots: want.pivots, picks: want.picks, rounds: want.rounds, backend: 'cpu' });
    expect((s.timings as Record<string, number>).totalMs).toBeGreaterThanOrEqual(0);
    expect((s.timings as Record<string, number>).decodeMs).toBeGreaterThanOrEqual(0);
  });

  it('answers the selection of docs/formats.md §2 alone: no batch-line `line` or `id`', async () => {
    const bytes = await postBytes(`${server.url}/v1/prune?method=d2pruner&keep=8`, sample);
    const sampled = await call(`${server.url}/v1/prune?sample=llava-sample&keep=8`, { method: 'POST' });
    const inline = await postJson(`${server.url}/v1/prune`, { ...grid6Json(), keep: 4 });
    for (const res of [bytes, sampled, inline]) {
      expect(res.status, res.text).toBe(200);
      const s = res.json as Record<string, unknown>;
      expect(Object.keys(s)).toContain('keep');
      expect(Object.keys(s)).not.toContain('line');
      expect(Object.keys(s)).not.toContain('id');
    }
  });

  it('takes method parameters from the query string, camelCase or kebab-case', async () => {
    const half = vectorCase('llava-7.safetensors', 64, { alpha: 0.5 }).expected;
    const a = await postBytes(`${server.url}/v1/prune?keep=64&alpha=0.5`, sample);
    expect((a.json as { keep: number[] }).keep).toEqual(half.keep);
    const tr = vectorCase('llava-7.safetensors', 64, { theta: 0.6, radius: 2 }).expected;
    const b = await postBytes(`${server.url}/v1/prune?keep=64&theta=0.6&radius=2`, sample);
    expect((b.json as { picks: number[] }).picks).toEqual(tr.picks);
    const p0 = vectorCase('llava-7.safetensors', 64, { pivotRatio: 0.0 }).expected;
    const c = await postBytes(`${server.url}/v1/prune?keep=64&pivot-ratio=0`, sample);
    expect((c.json as { keep: number[] }).keep).toEqual(p0.keep);
  });

  it('refuses a parameter given under both spellings (422 naming it), rather than using one', async () => {
    const res = await postBytes(`${server.url}/v1/prune?keep=64&pivotRatio=0.5&pivot-ratio=0`, sample);
    expect(res.status).toBe(422);
    expect(errorOf(res)).toMatchObject({ code: 'INVALID_ARGUMENT', field: 'pivot-ratio', message: expect.stringContaining('twice') });
  });

  it('prunes a bundled sample named in the query, and accepts ratio', async () => {
    const want = vectorCase('llava-7.safetensors', 64).expected;
    const res = await call(`${server.url}/v1/prune?sample=llava-sample&keep=64`, { method: 'POST' });
    expect(res.status).toBe(200);
    expect((res.json as { keep: number[] }).keep).toEqual(want.keep);
    const r = await call(`${server.url}/v1/prune?sample=llava-sample&ratio=0.25`, { method: 'POST' });
    expect((r.json as { budget: number; keep: number[] }).budget).toBe(144);
    expect((r.json as { keep: number[] }).keep).toHaveLength(144);
  });

  it('prunes an inline JSON input; query fields override the body', async () => {
    const c = vectorCase('grid6-7.safetensors', 9);
    const body = { ...grid6Json(), keep: 9, params: c.params };
    const res = await postJson(`${server.url}/v1/prune`, body);
    expect(res.status).toBe(200);
    expect(res.json).toMatchObject({ n: 36, keep: c.expected.keep, pivots: c.expected.pivots, picks: c.expected.picks });
    const other = vectorCases6(12);
    const q = await postJson(`${server.url}/v1/prune?keep=12`, { ...grid6Json(), keep: 9, params: other.params });
    expect(q.json).toMatchObject({ budget: 12, keep: other.expected.keep });
  });

  it('accepts matrices as {rows, cols, data} and attention per head', async () => {
    const c = vectorCase('grid6-7.safetensors', 9);
    const j = grid6Json();
    const rows = j.features as number[][];
    const att = j.attention as number[];
    const res = await postJson(`${server.url}/v1/prune`, {
      ...j,
      features: { rows: rows.length, cols: rows[0].length, data: rows.flat() },
      attention: [att.map((x) => x * 0.5), att.map((x) => x * 1.5)],
      keep: 9,
      params: c.params,
    });
    expect(res.status).toBe(200);
    expect((res.json as { keep: number[] }).keep).toEqual(c.expected.keep);
  });

  it('runs other methods: uniform keeps an evenly spread set', async () => {
    const res = await call(`${server.url}/v1/prune?sample=llava-sample&method=uniform&keep=4`, { method: 'POST' });
    expect(res.status).toBe(200);
    expect(res.json).toMatchObject({ method: 'uniform', budget: 4 });
    expect((res.json as { keep: number[] }).keep).toHaveLength(4);
  });
});

function vectorCases6(keep: number) {
  return vectorCase('grid6-7.safetensors', keep);
}

describe('POST /v1/prune errors', () => {
  const url = () => `${server.url}/v1/prune`;

  it('400 CORRUPT_FILE for a corrupt safetensors body', async () => {
    const res = await postBytes(`${url()}?keep=8`, new TextEncoder().encode('definitely not safetensors'));
    expect(res.status).toBe(400);
    expect(errorOf(res)).toMatchObject({ code: 'CORRUPT_FILE', field: 'header' });
    const truncated = await postBytes(`${url()}?keep=8`, sample.subarray(0, 4000));
    expect(truncated.status).toBe(400);
    expect(errorOf(truncated).code).toBe('CORRUPT_FILE');
  });

  it('400 UNSUPPORTED_DTYPE for a tensor in a dtype the reader does not take', async () => {
    const header = new TextEncoder().encode(JSON.stringify({ features: { dtype: 'I16', shape: [2, 2], data_offsets: [0, 8] }, attention: { dtype: 'F32', shape: [2], data_offsets: [8, 16] } }));
    const file = new Uint8Array(8 + header.length + 16);
    new DataView(file.buffer).setBigUint64(0, BigInt(header.length), true);
    file.set(header, 8);
    const res = await postBytes(`${url()}?keep=1&grid=1x2`, file);
    expect(res.status).toBe(400);
    expect(errorOf(res)).toMatchObject({ code: 'UNSUPPORTED_DTYPE', field: 'features' });
  });

  it('400 MALFORMED_BODY for invalid JSON or a JSON body that is not an object', async () => {
    const res = await call(`${url()}?keep=8`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"features": [1, 2' });
    expect(res.status).toBe(400);
    expect(errorOf(res)).toMatchObject({ code: 'MALFORMED_BODY', field: 'body' });
    const arr = await postJson(`${url()}?keep=8`, [1, 2, 3]);
    expect(arr.status).toBe(400);
    expect(errorOf(arr).code).toBe('MALFORMED_BODY');
  });

  it('413 PAYLOAD_TOO_LARGE for a body above --max-body-bytes', async () => {
    const res = await postBytes(`${url()}?keep=8`, new Uint8Array(3 * 1024 * 1024));
    expect(res.status).toBe(413);
    expect(errorOf(res)).toMatchObject({ code: 'PAYLOAD_TOO_LARGE', field: 'body' });
  });

  it('413 PAYLOAD_TOO_LARGE naming the tensor above --max-elements or --max-tokens', async () => {
    const big = writeSafetensors({ features: { shape: [300, 1000], data: new Float32Array(300_000) }, attention: { shape: [300], data: new Float32Array(300) } });
    const res = await postBytes(`${url()}?keep=8`, big);
    expect(res.status).toBe(413);
    expect(errorOf(res)).toMatchObject({ code: 'PAYLOAD_TOO_LARGE', field: 'features' });
    const many = writeSafetensors({ features: { shape: [1200, 2], data: new Float32Array(2400) }, attention: { shape: [1200], data: new Float32Array(1200) } });
    const r2 = await postBytes(`${url()}?keep=8`, many);
    expect(r2.status).toBe(413);
    expect(errorOf(r2).message).toMatch(/--max-tokens/);
    const json = await postJson(`${url()}?keep=8`, { features: Array.from({ length: 5 }, () => new Array(50_000).fill(0)), attention: [1, 1, 1, 1, 1] });
    expect(json.status).toBe(413);
    expect(errorOf(json)).toMatchObject({ code: 'PAYLOAD_TOO_LARGE', field: 'features' });
  });

  it('415 UNSUPPORTED_MEDIA_TYPE for other content types', async () => {
    const res = await call(`${url()}?keep=8`, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: 'hello' });
    expect(res.status).toBe(415);
    expect(errorOf(res)).toMatchObject({ code: 'UNSUPPORTED_MEDIA_TYPE', field: 'content-type' });
    const nd = await call(`${url()}?keep=8`, { method: 'POST', headers: { 'content-type': 'application/x-ndjson' }, body: '{}\n' });
    expect(nd.status).toBe(415);
    const img = await call(`${url()}?keep=8`, { method: 'POST', headers: { 'content-type': 'image/png' }, body: new Uint8Array(10) });
    expect(img.status).toBe(415);
    expect(errorOf(img).code).toBe('UNSUPPORTED_MEDIA_TYPE');
  });

  it('422 with the typed error naming the field for invalid parameters', async () => {
    const cases: [string, string, string][] = [
      ['?sample=llava-sample&keep=64&method=nope', 'UNKNOWN_NAME', 'method'],
      ['?sample=llava-sample&keep=64&gamma=1', 'INVALID_ARGUMENT', 'gamma'],
      ['?sample=llava-sample&keep=64&alpha=2', 'INVALID_INPUT', 'alpha'],
      ['?sample=llava-sample&keep=64&alpha=abc', 'INVALID_ARGUMENT', 'alpha'],
      ['?sample=llava-sample&keep=64&fallback=sideways', 'INVALID_INPUT', 'fallback'],
      ['?sample=llava-sample&keep=64&ratio=0.5', 'INVALID_ARGUMENT', 'keep'],
      ['?sample=llava-sample', 'INVALID_ARGUMENT', 'keep'],
      ['?sample=llava-sample&keep=6.5', 'INVALID_ARGUMENT', 'keep'],
      ['?sample=llava-sample&keep=x', 'INVALID_ARGUMENT', 'keep'],
      ['?sample=llava-sample&keep=64&backend=cuda', 'INVALID_ARGUMENT', 'backend'],
      ['?sample=nope&keep=64', 'UNKNOWN_NAME', 'sample'],
      ['?sample=llava-sample&keep=64&grid=3', 'INVALID_ARGUMENT', 'grid'],
      ['?keep=64', 'INVALID_ARGUMENT', 'body'],
      ['?sample=llava-sample&keep=64&keep=32', 'INVALID_ARGUMENT', 'keep'],
    ];
    for (const [q, code, field] of cases) {
      const res = await call(`${url()}${q}`, { method: 'POST' });
      expect(res.status, q).toBe(422);
      expect(errorOf(res), q).toMatchObject({ code, field });
    }
  });

  it('422 for invalid inputs: missing tensors, shape mismatches, bad values, unknown fields', async () => {
    const j = grid6Json();
    const cases: [Record<string, unknown>, string, string][] = [
      [{ features: j.features, keep: 8 }, 'MISSING_TENSOR', 'attention'],
      [{ ...j, attention: (j.attention as number[]).slice(1), keep: 8 }, 'SHAPE_MISMATCH', 'attention'],
      [{ ...j, attention: (j.attention as number[]).map((x, i) => (i === 3 ? -1 : x)), keep: 8 }, 'INVALID_INPUT', 'attention'],
      [{ ...j, features: [[1, 2], [3]], keep: 8 }, 'SHAPE_MISMATCH', 'features'],
      [{ ...j, features: [[1, 'a']], keep: 8 }, 'INVALID_INPUT', 'features[0][1]'],
      [{ ...j, featurs: [[1]], keep: 8 }, 'INVALID_INPUT', 'featurs'],
      [{ ...j, keep: '8' }, 'INVALID_INPUT', 'keep'],
      [{ ...j, keep: 8, params: [1] }, 'INVALID_INPUT', 'params'],
      [{ ...j, keep: 8, layout: { frames: [] } }, 'INVALID_INPUT', 'layout.frames'],
      [{ ...j, keep: 8, sample: 'llava-sample' }, 'INVALID_ARGUMENT', 'sample'],
    ];
    for (const [body, code, field] of cases) {
      const res = await postJson(`${url()}`, body);
      expect(res.status, `${code} ${field}`).toBe(422);
      expect(errorOf(res), `${code} ${field}`).toMatchObject({ code, field });
    }
  });

  it('503 BACKEND_UNAVAILABLE when WebGPU is asked of a server without it', async () => {
    const res = await call(`${url()}?sample=llava-sample&keep=64&backend=webgpu`, { method: 'POST' });
    expect(res.status).toBe(503);
    expect(errorOf(res)).toMatchObject({ code: 'BACKEND_UNAVAILABLE', field: 'webgpu' });
  });

  it('404 NOT_FOUND as typed JSON for unknown routes', async () => {
    const res = await call(`${server.url}/v2/nothing`);
    expect(res.status).toBe(404);
    expect(errorOf(res)).toMatchObject({ code: 'NOT_FOUND', field: 'path' });
  });
});
