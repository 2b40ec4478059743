import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerMethod, writeSafetensors, type Method } from '@d2pruner/core';
import type { RunningServer } from '../src/index.js';
import { call, errorOf, postBytes, postJson, series, start, type Res } from './helpers.js';

/**
 * Hostile requests over real HTTP (a listening server on loopback): each class of issue 14 this
 * helper owns, asserting status, error code and field, and memory where memory was the attack.
 */
let server: RunningServer;
let webDir: string;

/** A user method declared with one ParamSpec: its query validation and OpenAPI entry must follow from it. */
const zetaMethod: Method = {
  name: 'zeta-test',
  description: 'test method with one bounded parameter',
  requires: [],
  optional: [],
  needsLayout: false,
  params: [{ name: 'zetaLevel', type: 'integer', default: 1, min: 0, max: 3, description: 'a bounded test parameter' }],
  select: async (_input, budget, params = {}) => ({ method: 'zeta-test', n: 4, budget, keep: Array.from({ length: Math.min(budget, 4) }, (_, i) => i), backend: 'cpu', timings: {}, diagnostics: { zetaLevel: params.zetaLevel ?? 1 } }),
};

beforeAll(async () => {
  registerMethod(zetaMethod, { replace: true });
  webDir = mkdtempSync(join(tmpdir(), 'd2pruner-web-h-'));
  mkdirSync(join(webDir, 'assets'));
  writeFileSync(join(webDir, 'index.html'), '<!doctype html><title>t</title>');
  writeFileSync(join(webDir, 'assets', 'app.js'), 'console.log(1)');
  server = await start({ webDir, maxTokens: 4096 });
});
afterAll(async () => {
  await server.close();
  rmSync(webDir, { recursive: true, force: true });
});

/** A 6×6 scene as the JSON input (36 tokens, D 4). */
function scene(layout?: unknown): Record<string, unknown> {
  const features = Array.from({ length: 36 }, (_, i) => [Math.cos(i), Math.sin(i), (i % 5) / 5, 1]);
  const attention = Array.from({ length: 36 }, (_, i) => (i + 1) / 36);
  return layout === undefined ? { features, attention } : { features, attention, layout };
}

/** Sends raw bytes on a TCP connection and returns the whole reply text. */
function rawHttp(text: string | Buffer): Promise<string> {
  const u = new URL(server.url);
  return new Promise((resolve, reject) => {
    const s = connect(Number(u.port), u.hostname);
    let got = '';
    s.on('data', (d) => (got += d.toString()));
    s.on('end', () => resolve(got));
    s.on('error', (e) => (got ? resolve(got) : reject(e)));
    s.write(text);
  });
}

function statusOfRaw(reply: string): number {
  return Number(/^HTTP\/1\.1 (\d{3})/.exec(reply)?.[1] ?? 0);
}

function bodyOfRaw(reply: string): { error: { code: string; field: string; message: string } } {
  const body = reply.slice(reply.indexOf('\r\n\r\n') + 4);
  return JSON.parse(body.includes('{') ? body.slice(body.indexOf('{'), body.lastIndexOf('}') + 1) : body) as { error: { code: string; field: string; message: string } };
}

async function rssDuring(run: () => Promise<Res>): Promise<{ res: Res; growth: number }> {
  global.gc?.();
  const before = process.memoryUsage().rss;
  let peak = before;
  const timer = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 5);
  try {
    const res = await run();
    peak = Math.max(peak, process.memoryUsage().rss);
    return { res, growth: peak - before };
  } finally {
    clearInterval(timer);
  }
}

describe('class 2: memory grows with N, not with the rows×cols a request declares', () => {
  it('a 1 KB layout of three 20000×20000 frames is 422 naming layout, RSS growth < 200 MB', async () => {
    const frames = [0, 1, 2].map(() => ({ rows: 20000, cols: 20000 }));
    const layout = { frames, frame: new Array(36).fill(0), row: Array.from({ length: 36 }, (_, i) => Math.floor(i / 6)), col: Array.from({ length: 36 }, (_, i) => i % 6) };
    const body = { ...scene(layout), keep: 8 };
    expect(JSON.stringify(body).length).toBeLessThan(1 << 20);
    const { res, growth } = await rssDuring(() => postJson(`${server.url}/v1/prune`, body));
    expect(res.status).toBe(422);
    expect(errorOf(res)).toMatchObject({ code: 'INVALID_INPUT', field: 'layout' });
    expect(growth).toBeLessThan(200 * 2 ** 20);
  });

  it('the same hostile layout inside a safetensors body is refused the same way', async () => {
    const frames = [{ rows: 100000, cols: 100000 }];
    const meta = { 'd2pruner.layout': JSON.stringify({ frames, frame: [0, 0, 0, 0], row: [0, 0, 1, 1], col: [0, 1, 0, 1] }) };
    const file = writeSafetensors({ features: { shape: [4, 2], data: new Float32Array(8).fill(1) }, attention: { shape: [4], data: new Float32Array([1, 2, 3, 4]) } }, meta);
    const { res, growth } = await rssDuring(() => postBytes(`${server.url}/v1/prune?keep=2`, file));
    expect(res.status).toBe(422);
    expect(errorOf(res)).toMatchObject({ code: 'INVALID_INPUT', field: 'layout' });
    expect(growth).toBeLessThan(200 * 2 ** 20);
  });

  it('a sparse layout on a large frame is served in memory O(N)', async () => {
    const layout = { frames: [{ rows: 4096, cols: 4096 }], frame: new Array(36).fill(0), row: Array.from({ length: 36 }, (_, i) => 100 * Math.floor(i / 6)), col: Array.from({ length: 36 }, (_, i) => 100 * (i % 6)) };
    const { res, growth } = await rssDuring(() => postJson(`${server.url}/v1/prune?keep=8`, scene(layout)));
    expect(res.status).toBe(200);
    expect((res.json as { keep: number[] }).keep).toHaveLength(8);
    expect(growth).toBeLessThan(200 * 2 ** 20);
  });

  it('grid over --max-tokens cells is 413 naming grid, even when the input has its own layout', async () => {
    for (const grid of ['10000x10000', '100000x100000', '65x64']) {
      const { res, growth } = await rssDuring(() => call(`${server.url}/v1/prune?sample=llava-sample&keep=8&grid=${grid}`, { method: 'POST' }));
      expect(res.status, grid).toBe(413);
      expect(errorOf(res), grid).toMatchObject({ code: 'PAYLOAD_TOO_LARGE', field: 'grid' });
      expect(growth).toBeLessThan(200 * 2 ** 20);
    }
    const batch = await call(`${server.url}/v1/prune/batch`, { method: 'POST', headers: { 'content-type': 'application/x-ndjson' }, body: JSON.stringify({ id: 'g', input: 'llava-sample', keep: 4, grid: '99999x99999' }) + '\n' });
    expect(JSON.parse(batch.text.trim())).toMatchObject({ id: 'g', line: 1, error: { code: 'PAYLOAD_TOO_LARGE', field: 'grid' } });
  });
});

describe('class 4: every client error is a 4xx in the documented shape, counted', () => {
  it('static paths with dot segments or %00 are 404/400 typed errors, never a file outside the folder', async () => {
    for (const path of ['/assets/../index.html', '/assets/./app.js', '/..%2f..%2fetc%2fpasswd', '/index.html%00', '/assets%00/app.js', '/%2e%2e/%2e%2e/etc/passwd']) {
      const reply = await rawHttp(`GET ${path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`);
      const status = statusOfRaw(reply);
      expect([400, 404], path).toContain(status);
      const e = bodyOfRaw(reply).error;
      expect(e.code, path).toMatch(/^(NOT_FOUND|MALFORMED_REQUEST)$/);
      expect(typeof e.field).toBe('string');
      expect(reply).not.toContain('root:');
    }
  });

  it('JSON nested 10,000 deep is 400 MALFORMED_BODY naming body (no stack overflow, no echo)', async () => {
    const deep = '['.repeat(10000) + ']'.repeat(10000);
    for (const body of [deep, `{"features":${deep},"keep":3}`]) {
      const res = await call(`${server.url}/v1/prune`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
      expect(res.status).toBe(400);
      expect(errorOf(res)).toMatchObject({ code: 'MALFORMED_BODY', field: 'body' });
      expect(res.text.length).toBeLessThan(1000);
    }
    const batch = await call(`${server.url}/v1/prune/batch`, { method: 'POST', headers: { 'content-type': 'application/x-ndjson' }, body: `{"id":1,"input":${deep}}\n{"input":"llava-sample","keep":4}\n` });
    const lines = batch.text.trim().split('\n').map((l) => JSON.parse(l) as { error?: { field: string }; keep?: number[] });
    expect(lines[0].error).toMatchObject({ code: 'INVALID_INPUT', field: 'line' });
    expect(lines[1].keep).toHaveLength(4);
  });

  it('Fastify’s own 400 / 413 / 415 / 431 come in the documented shape and are counted', async () => {
    const before = (await call(`${server.url}/metrics`)).text;
    const count = (t: string, code: string) => series(t, 'd2pruner_request_errors_total', { code }) ?? 0;
    const bad = await rawHttp('GET /healthz HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n');
    expect(statusOfRaw(bad)).toBe(400);
    expect(bodyOfRaw(bad).error).toMatchObject({ code: 'MALFORMED_REQUEST', field: 'request' });
    const big = await rawHttp(`GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(40000)}\r\n\r\n`);
    expect(statusOfRaw(big)).toBe(431);
    expect(bodyOfRaw(big).error).toMatchObject({ code: 'HEADERS_TOO_LARGE', field: 'headers' });
    const badUrl = await rawHttp('GET /v1/methods%zz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
    expect([400, 404]).toContain(statusOfRaw(badUrl));
    expect(bodyOfRaw(badUrl).error.code).toMatch(/^(MALFORMED_REQUEST|NOT_FOUND)$/);
    const emptyJson = await call(`${server.url}/v1/prune?keep=3`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '' });
    expect(emptyJson.status).toBe(400);
    expect(errorOf(emptyJson).code).toBe('MALFORMED_BODY');
    const media = await call(`${server.url}/v1/prune?keep=3`, { method: 'POST', headers: { 'content-type': 'text/csv' }, body: '1,2' });
    expect(media.status).toBe(415);
    expect(errorOf(media)).toMatchObject({ code: 'UNSUPPORTED_MEDIA_TYPE', field: 'content-type' });
    const after = (await call(`${server.url}/metrics`)).text;
    expect(count(after, 'MALFORMED_REQUEST')).toBeGreaterThanOrEqual(count(before, 'MALFORMED_REQUEST') + 1);
    expect(count(after, 'HEADERS_TOO_LARGE')).toBe(count(before, 'HEADERS_TOO_LARGE') + 1);
    expect(count(after, 'UNSUPPORTED_MEDIA_TYPE')).toBe(count(before, 'UNSUPPORTED_MEDIA_TYPE') + 1);
    expect(series(after, 'd2pruner_http_requests_total', { route: 'unmatched', status: '431' })).toBeGreaterThanOrEqual(1);
  });

  it('a URL that does not decode is counted as a request with route="unmatched", as the README says', async () => {
    const before = (await call(`${server.url}/metrics`)).text;
    const requests = (t: string) => series(t, 'd2pruner_http_requests_total', { method: 'GET', route: 'unmatched', status: '400' }) ?? 0;
    const latency = (t: string) => series(t, 'd2pruner_http_request_duration_seconds_count', { method: 'GET', route: 'unmatched' }) ?? 0;
    for (let i = 0; i < 3; i++) {
      const res = await call(`${server.url}/v1/flops%ff`);
      expect(res.status).toBe(400);
      expect(errorOf(res)).toMatchObject({ code: 'MALFORMED_REQUEST', field: 'path' });
    }
    const after = (await call(`${server.url}/metrics`)).text;
    expect(requests(after)).toBe(requests(before) + 3);
    expect(latency(after)).toBe(latency(before) + 3);
    expect(series(after, 'd2pruner_request_errors_total', { code: 'MALFORMED_REQUEST' })).toBe((series(before, 'd2pruner_request_errors_total', { code: 'MALFORMED_REQUEST' }) ?? 0) + 3);
  });

  it('error messages quote at most ~200 characters of a bad value (a 100 KB value gives a short body)', async () => {
    const huge = 'x'.repeat(100_000);
    const cases: [string, RequestInit][] = [
      [`/v1/prune?keep=3&${huge}=1`, { method: 'POST' }],
      ['/v1/prune', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ ...scene(), keep: 3, params: { fallback: huge } }) }],
      ['/v1/prune', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ ...scene(), keep: 3, [huge]: 1 }) }],
      ['/v1/prune', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ ...scene(), keep: 3, layout: { frames: [{ rows: 6, cols: 6 }], frame: [huge], row: [0], col: [0] } }) }],
      [`/v1/flops?model=${huge}&keep=3&visual=9`, {}],
    ];
    for (const [path, init] of cases) {
      const res = await call(`${server.url}${path}`, init);
      expect(res.status, path.slice(0, 40)).toBeGreaterThanOrEqual(400);
      expect(res.status, path.slice(0, 40)).toBeLessThan(500);
      expect(res.text.length, path.slice(0, 40)).toBeLessThan(1200);
      errorOf(res);
    }
  });
});

describe('class 5: a layout with two tokens on one cell is refused on every path', () => {
  const dupLayout = { frames: [{ rows: 6, cols: 6 }], frame: new Array(36).fill(0), row: Array.from({ length: 36 }, (_, i) => Math.floor(i / 6)), col: Array.from({ length: 36 }, (_, i) => (i === 35 ? 0 : i % 6)) };

  it('JSON input, lazy and dense graphs alike: 422 INVALID_INPUT naming layout', async () => {
    for (const graph of ['lazy', 'dense']) {
      const res = await postJson(`${server.url}/v1/prune?keep=16&alpha=0.5&theta=0.6&radius=0&graph=${graph}`, scene(dupLayout));
      expect(res.status, graph).toBe(422);
      expect(errorOf(res), graph).toMatchObject({ code: 'INVALID_INPUT', field: 'layout' });
    }
  });

  it('a safetensors body and a batch line too', async () => {
    const feats = new Float32Array(36 * 4).map((_, i) => Math.sin(i));
    const file = writeSafetensors({ features: { shape: [36, 4], data: feats }, attention: { shape: [36], data: new Float32Array(36).fill(1) } }, { 'd2pruner.layout': JSON.stringify(dupLayout) });
    const res = await postBytes(`${server.url}/v1/prune?keep=16`, file);
    expect(res.status).toBe(422);
    expect(errorOf(res)).toMatchObject({ code: 'INVALID_INPUT', field: 'layout' });
    const line = JSON.stringify({ id: 'dup', input: `data:application/octet-stream;base64,${Buffer.from(file).toString('base64')}`, keep: 16 });
    const batch = await call(`${server.url}/v1/prune/batch`, { method: 'POST', headers: { 'content-type': 'application/x-ndjson' }, body: line + '\n' });
    expect(JSON.parse(batch.text.trim())).toMatchObject({ id: 'dup', error: { code: 'INVALID_INPUT', field: 'layout' } });
  });
});

describe('class 8: smaller ones over HTTP', () => {
  it('flops with an absurd visual count is 422 naming visual; no NaN', async () => {
    const res = await call(`${server.url}/v1/flops?model=llava-1.5-7b&keep=64&visual=1e300`);
    expect(res.status).toBe(422);
    expect(errorOf(res).field).toBe('visual');
    expect(res.text).not.toContain('NaN');
  });

  it('a batch line with invalid base64 says so, keeping its id and line', async () => {
    const body = [JSON.stringify({ id: 'b64', input: 'data:application/octet-stream;base64,@@@not-base64@@@', keep: 3 }), JSON.stringify({ id: 'k', input: 'llava-sample', keep: 'x' })].join('\n') + '\n';
    const res = await call(`${server.url}/v1/prune/batch`, { method: 'POST', headers: { 'content-type': 'application/x-ndjson' }, body });
    const [a, b] = res.text.trim().split('\n').map((l) => JSON.parse(l) as { id: string; line: number; error: { code: string; field: string; message: string } });
    expect(a).toMatchObject({ id: 'b64', line: 1, error: { code: 'INVALID_INPUT', field: 'input' } });
    expect(a.error.message).toMatch(/not valid base64/);
    expect(b).toMatchObject({ id: 'k', line: 2, error: { field: 'keep' } });
  });
});

describe('one declaration per method parameter: validation and /openapi.json follow the ParamSpec', () => {
  it('the ParamSpec bounds are enforced by the route schema and published in the OpenAPI document', async () => {
    const server = await start({ workers: 0 }); // the test method is registered on this thread only
    try {
    const over = await call(`${server.url}/v1/prune?sample=llava-sample&keep=4&method=zeta-test&zetaLevel=9`, { method: 'POST' });
    expect(over.status).toBe(422);
    expect(errorOf(over)).toMatchObject({ code: 'INVALID_INPUT', field: 'zetaLevel' });
    const kebab = await call(`${server.url}/v1/prune?sample=llava-sample&keep=4&method=zeta-test&zeta-level=2`, { method: 'POST' });
    expect(kebab.status).toBe(200);
    const doc = (await call(`${server.url}/openapi.json`)).json as {
      paths: Record<string, { post?: { parameters?: { name: string; schema: { maximum?: number } }[] } }>;
      components: { schemas: Record<string, { properties: Record<string, { maximum?: number; default?: unknown }> }> };
    };
    const q = doc.paths['/v1/prune'].post?.parameters ?? [];
    expect(q.find((p) => p.name === 'zetaLevel')?.schema.maximum).toBe(3);
    expect(q.find((p) => p.name === 'zeta-level')).toBeDefined();
    expect(doc.components.schemas['params.zeta-test'].properties.zetaLevel).toMatchObject({ maximum: 3, default: 1 });
    const unknown = await call(`${server.url}/v1/prune?sample=llava-sample&keep=4&zetaLevl=1`, { method: 'POST' });
    expect(unknown.status).toBe(422);
    expect(errorOf(unknown)).toMatchObject({ code: 'INVALID_ARGUMENT', field: 'zetaLevl' });
    } finally {
      await server.close();
    }
  });
});

describe('batch lines are checked against the schema /openapi.json documents', () => {
  it('a bad field names itself, also inside an inline input; the batch goes on', async () => {
    const lines = [
      { id: 'u', input: 'llava-sample', keep: 4, colour: 'red' },
      { id: 'i', input: { features: [[1, 2]], attention: [1], featurs: [[1]] }, keep: 1 },
      { id: 'm', input: { features: [[1, 'x']], attention: [1] }, keep: 1 },
      { id: 'ok', input: 'llava-sample', keep: 4 },
    ];
    const res = await call(`${server.url}/v1/prune/batch`, { method: 'POST', headers: { 'content-type': 'application/x-ndjson' }, body: lines.map((l) => JSON.stringify(l)).join('\n') + '\n' });
    const out = res.text.trim().split('\n').map((l) => JSON.parse(l) as { id: string; error?: { code: string; field: string }; keep?: number[] });
    expect(out[0]).toMatchObject({ id: 'u', error: { code: 'INVALID_INPUT', field: 'colour' } });
    expect(out[1]).toMatchObject({ id: 'i', error: { code: 'INVALID_INPUT', field: 'input.featurs' } });
    expect(out[2]).toMatchObject({ id: 'm', error: { code: 'INVALID_INPUT', field: 'input.features[0][1]' } });
    expect(out[3].keep).toHaveLength(4);
  });
});
