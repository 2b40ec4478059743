import { mkdtempSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningServer, WebGpuHandle } from '../src/index.js';
import { SAMPLE, call, errorOf, postBytes, series, start, vectorCase } from './helpers.js';
import { readFileSync } from 'node:fs';

let server: RunningServer;
let webDir: string;

beforeAll(async () => {
  webDir = mkdtempSync(join(tmpdir(), 'd2pruner-web-'));
  mkdirSync(join(webDir, 'assets'));
  writeFileSync(join(webDir, 'index.html'), '<!doctype html><title>d2pruner test app</title>');
  writeFileSync(join(webDir, 'assets', 'app.js'), 'console.log(1)');
  server = await start({ webDir });
});
afterAll(async () => {
  await server.close();
  rmSync(webDir, { recursive: true, force: true });
});

describe('GET /healthz', () => {
  it('says the server is up and which backend it uses (CPU here)', async () => {
    const res = await call(`${server.url}/healthz`);
    expect(res.status).toBe(200);
    expect(res.json).toMatchObject({ status: 'ok', backend: 'cpu', backendMode: 'cpu', webgpu: { available: false }, inFlight: 0, maxConcurrent: 16, web: true });
    expect((res.json as { adapter: string }).adapter).toMatch(/^cpu/);
  });

  it('reports WebGPU when a hardware adapter exists, and the reason when none does', async () => {
    const hardware: WebGpuHandle = { available: async () => true, describe: () => 'webgpu (Fake GPU 9000)', dispose: async () => undefined, gpuContext: { software: false, label: 'Fake GPU 9000' } };
    const a = await start({ backend: 'auto' }, { webgpuLoader: async () => hardware });
    try {
      const h = (await call(`${a.url}/healthz`)).json as { backend: string; adapter: string; webgpu: { available: boolean; software: boolean } };
      expect(h).toMatchObject({ backend: 'webgpu', webgpu: { available: true, software: false } });
      expect(h.adapter).toContain('Fake GPU 9000');
    } finally {
      await a.close();
    }
    const software: WebGpuHandle = { ...hardware, describe: () => 'webgpu (llvmpipe)', gpuContext: { software: true, label: 'llvmpipe' } };
    const b = await start({ backend: 'auto' }, { webgpuLoader: async () => software });
    try {
      const h = (await call(`${b.url}/healthz`)).json as { backend: string; adapter: string; webgpu: { software: boolean } };
      expect(h).toMatchObject({ backend: 'cpu', webgpu: { software: true } });
      expect(h.adapter).toContain('software');
    } finally {
      await b.close();
    }
    const c = await start({ backend: 'auto' }, { webgpuLoader: async () => { throw new Error('no webgpu package'); } });
    try {
      const h = (await call(`${c.url}/healthz`)).json as { backend: string; adapter: string };
      expect(h.backend).toBe('cpu');
      expect(h.adapter).toContain('no webgpu package');
    } finally {
      await c.close();
    }
  });

  it('runs D2Pruner on the real WebGPU backend (Dawn) when forced, with the CPU selection', { timeout: 180_000 }, async () => {
    const g = await start({ backend: 'webgpu' });
    try {
      const h = (await call(`${g.url}/healthz`)).json as { backend: string; adapter: string; webgpu: { available: boolean; description: string } };
      if (!h.webgpu.available) {
        console.warn(`[server] SKIPPING the Dawn WebGPU check: ${h.webgpu.description}`);
        return;
      }
      console.log(`[server] WebGPU adapter: ${h.adapter}`);
      expect(h.backend).toBe('webgpu');
      const want = vectorCase('llava-7.safetensors', 64).expected;
      const res = await postBytes(`${g.url}/v1/prune?keep=64`, new Uint8Array(readFileSync(SAMPLE)));
      expect(res.status).toBe(200);
      expect(res.json).toMatchObject({ backend: 'webgpu', keep: want.keep, pivots: want.pivots, picks: want.picks });
      const cpu = await postBytes(`${g.url}/v1/prune?keep=64&backend=cpu`, new Uint8Array(readFileSync(SAMPLE)));
      expect(cpu.json).toMatchObject({ backend: 'cpu', keep: want.keep });
    } finally {
      await g.close();
    }
  });
});

describe('GET /metrics', () => {
  it('counts requests by route and status, times them, and names the backend', async () => {
    const before = await call(`${server.url}/metrics`);
    const base = series(before.text, 'd2pruner_http_requests_total', { method: 'POST', route: '/v1/prune', status: '200' }) ?? 0;
    const baseCorrupt = series(before.text, 'd2pruner_request_errors_total', { code: 'CORRUPT_FILE' }) ?? 0;
    for (let i = 0; i < 3; i++) expect((await call(`${server.url}/v1/prune?sample=llava-sample&keep=16`, { method: 'POST' })).status).toBe(200);
    expect((await postBytes(`${server.url}/v1/prune?keep=4`, new Uint8Array(16))).status).toBe(400);
    const res = await call(`${server.url}/metrics`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    const t = res.text;
    expect(series(t, 'd2pruner_http_requests_total', { method: 'POST', route: '/v1/prune', status: '200' })).toBe(base + 3);
    expect(series(t, 'd2pruner_http_requests_total', { method: 'POST', route: '/v1/prune', status: '400' })).toBeGreaterThanOrEqual(1);
    expect(series(t, 'd2pruner_request_errors_total', { code: 'CORRUPT_FILE' })).toBe(baseCorrupt + 1);
    const count = series(t, 'd2pruner_http_request_duration_seconds_count', { method: 'POST', route: '/v1/prune' })!;
    expect(count).toBeGreaterThanOrEqual(base + 4);
    expect(series(t, 'd2pruner_http_request_duration_seconds_bucket', { method: 'POST', route: '/v1/prune', le: '+Inf' })).toBe(count);
    expect(series(t, 'd2pruner_http_request_duration_seconds_bucket', { method: 'POST', route: '/v1/prune', le: '30' })).toBe(count);
    expect(series(t, 'd2pruner_selections_total', { method: 'd2pruner', backend: 'cpu' })).toBeGreaterThanOrEqual(3);
    expect(series(t, 'd2pruner_backend_info', { backend: 'cpu' })).toBe(1);
    expect(series(t, 'process_resident_memory_bytes')).toBeGreaterThan(1e6);
    expect(t).toContain('# TYPE d2pruner_http_request_duration_seconds histogram');
  });
});

describe('GET /openapi.json', () => {
  it('documents every route with its parameters, and each method’s parameter schema', async () => {
    const res = await call(`${server.url}/openapi.json`);
    expect(res.status).toBe(200);
    const doc = res.json as { openapi: string; paths: Record<string, Record<string, unknown>>; components: { schemas: Record<string, { properties?: Record<string, { default?: unknown }> }> } };
    expect(doc.openapi).toBe('3.1.0');
    const routes: [string, string][] = [
      ['post', '/v1/prune'],
      ['post', '/v1/prune/batch'],
      ['post', '/v1/eval'],
      ['get', '/v1/methods'],
      ['get', '/v1/samples'],
      ['get', '/v1/flops'],
      ['get', '/v1/layout'],
      ['get', '/healthz'],
      ['get', '/metrics'],
      ['get', '/openapi.json'],
      ['get', '/samples/{file}'],
    ];
    for (const [method, path] of routes) {
      expect(doc.paths[path]?.[method], `${method} ${path}`).toBeDefined();
      expect(server.app.hasRoute({ method: method.toUpperCase() as 'GET', url: path.replace('{file}', ':file') }), `${method} ${path} exists`).toBe(true);
    }
    expect(doc.components.schemas['params.d2pruner'].properties?.pivotRatio.default).toBe(0.7);
    expect(doc.components.schemas['params.fastv']).toBeDefined();
    const docs = await fetch(`${server.url}/docs`, { redirect: 'manual' });
    expect(docs.status).toBe(302);
    expect(docs.headers.get('location')).toBe('/openapi.json');
  });
});

describe('the web app', () => {
  it('is served from the built folder; unknown files are a typed 404', async () => {
    const index = await call(`${server.url}/`);
    expect(index.status).toBe(200);
    expect(index.headers.get('content-type')).toMatch(/^text\/html/);
    expect(index.text).toContain('d2pruner test app');
    const js = await call(`${server.url}/assets/app.js`);
    expect(js.status).toBe(200);
    expect(js.headers.get('content-type')).toMatch(/javascript/);
    const missing = await call(`${server.url}/assets/nope.js`);
    expect(missing.status).toBe(404);
    expect(errorOf(missing).code).toBe('NOT_FOUND');
  });

  it('keeps the status of a failed range (416) or precondition (412), in the documented shape', async () => {
    const before = (await call(`${server.url}/metrics`)).text;
    const range = await call(`${server.url}/index.html`, { headers: { range: 'bytes=999999-' } });
    expect(range.status).toBe(416);
    expect(errorOf(range)).toMatchObject({ code: 'RANGE_NOT_SATISFIABLE', field: 'range' });
    expect(range.headers.get('content-range')).toMatch(/^bytes \*\/\d+$/);
    const ifMatch = await call(`${server.url}/index.html`, { headers: { 'if-match': '"nope"' } });
    expect(ifMatch.status).toBe(412);
    expect(errorOf(ifMatch)).toMatchObject({ code: 'PRECONDITION_FAILED', field: 'if-match' });
    const since = await call(`${server.url}/index.html`, { headers: { 'if-unmodified-since': 'Mon, 01 Jan 2001 00:00:00 GMT' } });
    expect(since.status).toBe(412);
    expect(errorOf(since)).toMatchObject({ code: 'PRECONDITION_FAILED', field: 'if-unmodified-since' });
    const partial = await call(`${server.url}/index.html`, { headers: { range: 'bytes=0-3' } });
    expect(partial.status).toBe(206);
    expect(partial.text).toBe('<!do');
    const after = (await call(`${server.url}/metrics`)).text;
    expect(series(after, 'd2pruner_request_errors_total', { code: 'RANGE_NOT_SATISFIABLE' })).toBe((series(before, 'd2pruner_request_errors_total', { code: 'RANGE_NOT_SATISFIABLE' }) ?? 0) + 1);
    expect(series(after, 'd2pruner_request_errors_total', { code: 'PRECONDITION_FAILED' })).toBe((series(before, 'd2pruner_request_errors_total', { code: 'PRECONDITION_FAILED' }) ?? 0) + 2);
    expect(series(after, 'd2pruner_request_errors_total', { code: 'MALFORMED_REQUEST' }) ?? 0).toBe(series(before, 'd2pruner_request_errors_total', { code: 'MALFORMED_REQUEST' }) ?? 0);
  });

  it('says how to build it when it is missing', async () => {
    const s = await start({ webDir: join(webDir, 'absent') });
    try {
      const res = await call(`${s.url}/`);
      expect(res.status).toBe(404);
      expect(errorOf(res).message).toMatch(/not built/);
      expect(((await call(`${s.url}/healthz`)).json as { web: boolean }).web).toBe(false);
    } finally {
      await s.close();
    }
  });
});
