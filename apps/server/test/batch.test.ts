import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningServer } from '../src/index.js';
import { VECTORS, call, errorOf, rawRequest, start, vectorCase } from './helpers.js';

let server: RunningServer;

beforeAll(async () => {
  server = await start({ maxBodyBytes: 1024 * 1024, batchConcurrency: 2 });
});
afterAll(() => server.close());

function postNdjson(body: string, query = ''): ReturnType<typeof call> {
  return call(`${server.url}/v1/prune/batch${query}`, { method: 'POST', headers: { 'content-type': 'application/x-ndjson' }, body });
}

function lines(text: string): Record<string, unknown>[] {
  return text
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

describe('POST /v1/prune/batch', () => {
  it('answers one line per request, in order, good and bad mixed (docs/formats.md §3)', async () => {
    const grid = readFileSync(resolve(VECTORS, 'grid6-7.safetensors'));
    const dataUrl = `data:application/octet-stream;base64,${grid.toString('base64')}`;
    const c64 = vectorCase('llava-7.safetensors', 64).expected;
    const c16 = vectorCase('llava-7.safetensors', 57, { alpha: 0.5 }).expected;
    const g9 = vectorCase('grid6-7.safetensors', 9).expected;
    const body = [
      JSON.stringify({ id: 'a', input: 'llava-sample', keep: 64 }),
      '',
      JSON.stringify({ input: 'llava-sample', keep: 57, params: { alpha: 0.5 } }),
      '{"input": "llava-sample", "keep": ',
      JSON.stringify({ id: 7, input: dataUrl, keep: 9 }),
      JSON.stringify({ input: '/etc/passwd', keep: 4 }),
      JSON.stringify({ input: 'llava-sample', keep: 4, param: { alpha: 1 } }),
      JSON.stringify({ input: { features: [[1, 0], [0, 1], [1, 1], [0, 0]], attention: [0.1, 0.2, 0.3, 0.4] }, keep: 2, method: 'fastv' }),
      JSON.stringify({ input: 'llava-sample', keep: 4, backend: 'webgpu' }),
      JSON.stringify({ input: 'llava-sample', keep: 4, params: { alpha: 7 } }),
    ].join('\n');
    const res = await postNdjson(body + '\n');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/x-ndjson/);
    const out = lines(res.text);
    expect(out).toHaveLength(9);
    expect(out[0]).toMatchObject({ id: 'a', method: 'd2pruner', keep: c64.keep, pivots: c64.pivots, picks: c64.picks });
    expect(Object.keys(out[0])[0]).toBe('id');
    expect(out[1]).toMatchObject({ keep: c16.keep, picks: c16.picks });
    expect(out[2]).toMatchObject({ error: { code: 'INVALID_INPUT', field: 'line' }, line: 4 });
    expect(out[3]).toMatchObject({ id: 7, n: 36, keep: g9.keep });
    expect(out[4]).toMatchObject({ error: { code: 'UNKNOWN_NAME', field: 'input' }, line: 6 });
    expect(out[5]).toMatchObject({ error: { code: 'INVALID_INPUT', field: 'param' }, line: 7 });
    expect(out[6]).toMatchObject({ method: 'fastv', n: 4, budget: 2, keep: [2, 3] });
    expect(out[7]).toMatchObject({ error: { code: 'BACKEND_UNAVAILABLE', field: 'webgpu' }, line: 9 });
    expect(out[8]).toMatchObject({ error: { code: 'INVALID_INPUT', field: 'alpha' }, line: 10 });
  });

  it('reports an oversized line as PAYLOAD_TOO_LARGE and goes on', async () => {
    const big = JSON.stringify({ input: { features: [new Array(300_000).fill(0.5)], attention: [1] }, keep: 1 });
    expect(big.length).toBeGreaterThan(1024 * 1024);
    const body = [big, JSON.stringify({ input: 'llava-sample', keep: 3 })].join('\n');
    const res = await postNdjson(body);
    const out = lines(res.text);
    expect(out).toHaveLength(2);
    expect(out[0]).toMatchObject({ error: { code: 'PAYLOAD_TOO_LARGE', field: 'line' }, line: 1 });
    expect((out[1] as { keep: number[] }).keep).toHaveLength(3);
  });

  it('uses ?method= and ?backend= as defaults for lines that name none', async () => {
    const body = [JSON.stringify({ input: 'llava-sample', keep: 5 }), JSON.stringify({ input: 'llava-sample', keep: 5, method: 'd2pruner' })].join('\n');
    const res = await postNdjson(body, '?method=uniform&backend=cpu');
    const out = lines(res.text);
    expect(out.map((o) => o.method)).toEqual(['uniform', 'd2pruner']);
    expect(out.map((o) => o.backend)).toEqual(['cpu', 'cpu']);
  });

  it('streams: the first result arrives while the request body is still open', async () => {
    const req = rawRequest(`${server.url}/v1/prune/batch`, 'POST', { 'content-type': 'application/x-ndjson', 'transfer-encoding': 'chunked' });
    const received: string[] = [];
    const firstLine = new Promise<void>((resolveFirst, reject) => {
      req.on('response', (res) => {
        expect(res.statusCode).toBe(200);
        res.setEncoding('utf8');
        let buf = '';
        res.on('data', (chunk: string) => {
          buf += chunk;
          let nl: number;
          while ((nl = buf.indexOf('\n')) >= 0) {
            received.push(buf.slice(0, nl));
            buf = buf.slice(nl + 1);
            if (received.length === 1) resolveFirst();
          }
        });
      });
      req.on('error', reject);
    });
    const ended = new Promise<void>((r) => req.on('response', (res) => res.on('end', () => r())));
    req.write(JSON.stringify({ id: 1, input: 'llava-sample', keep: 8 }) + '\n');
    await firstLine;
    expect(received).toHaveLength(1);
    expect(JSON.parse(received[0])).toMatchObject({ id: 1, budget: 8 });
    req.end(JSON.stringify({ id: 2, input: 'llava-sample', keep: 9 }) + '\n');
    await ended;
    expect(received.map((l) => (JSON.parse(l) as { id: number }).id)).toEqual([1, 2]);
  });

  it('415 for a body that is not NDJSON; 422 for unknown query parameters or backends', async () => {
    const res = await call(`${server.url}/v1/prune/batch`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"input":"llava-sample","keep":4}' });
    expect(res.status).toBe(415);
    expect(errorOf(res)).toMatchObject({ code: 'UNSUPPORTED_MEDIA_TYPE', field: 'content-type' });
    const q = await postNdjson('{"input":"llava-sample","keep":4}\n', '?keep=4');
    expect(q.status).toBe(422);
    expect(errorOf(q)).toMatchObject({ code: 'INVALID_ARGUMENT', field: 'keep' });
    const b = await postNdjson('{"input":"llava-sample","keep":4}\n', '?backend=tpu');
    expect(b.status).toBe(422);
    expect(errorOf(b)).toMatchObject({ code: 'INVALID_ARGUMENT', field: 'backend' });
  });

  it('accepts an empty batch', async () => {
    const res = await postNdjson('\n\n');
    expect(res.status).toBe(200);
    expect(res.text).toBe('');
  });

  it('gives the same selection for a sample sent as a data URL and by name', async () => {
    // llava-7 (the LLaVA sample's scene without the baselines' tensors) fits in a line of the test server's 1 MiB limit.
    const dataUrl = `data:application/octet-stream;base64,${readFileSync(resolve(VECTORS, 'llava-7.safetensors')).toString('base64')}`;
    const res = await postNdjson([JSON.stringify({ input: dataUrl, keep: 32 }), JSON.stringify({ input: 'llava-7', keep: 32 })].join('\n'));
    const [a, b] = lines(res.text);
    expect(a.error).toBeUndefined();
    expect(a.keep).toEqual(b.keep);
    expect(a.picks).toEqual(b.picks);
  });
});
