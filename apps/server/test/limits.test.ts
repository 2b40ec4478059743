import { readFileSync } from 'node:fs';
import { registerMethod, type Method } from '@d2pruner/core';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { RunningServer } from '../src/index.js';
import { SAMPLE, call, errorOf, rawRequest, sleep, start } from './helpers.js';

/** Aborts seen by the slow test method (its `select` receives the request's signal). */
const aborted: string[] = [];

/** A method that waits `ms` (honouring the abort signal), then keeps the first `budget` tokens. */
const slowMethod: Method = {
  name: 'test-slow',
  description: 'waits, then keeps the first tokens (limits test)',
  requires: [],
  optional: [],
  needsLayout: false,
  params: [
    { name: 'ms', type: 'integer', default: 500, min: 0, description: 'how long to wait' },
    { name: 'tag', type: 'string', default: '', description: 'name reported on abort' },
  ],
  select: (input, budget, params = {}, context = {}) =>
    new Promise((resolve, reject) => {
      const n = input.attention?.length ?? 0;
      const timer = setTimeout(() => resolve({ method: 'test-slow', n, budget, keep: Array.from({ length: budget }, (_, i) => i), backend: 'cpu', timings: { totalMs: Number(params.ms) } }), Number(params.ms ?? 500));
      context.signal?.addEventListener('abort', () => {
        clearTimeout(timer);
        aborted.push(String(params.tag ?? ''));
        reject(new Error('aborted'));
      });
    }),
};

beforeAll(() => registerMethod(slowMethod));

const servers: RunningServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

/** A server; the test methods registered here exist in this thread only, so they run on its event loop (not in the pool). */
async function server(overrides: Parameters<typeof start>[0]): Promise<RunningServer> {
  const s = await start(overrides);
  servers.push(s);
  return s;
}

const slow = (s: RunningServer, ms: number, tag = '') => call(`${s.url}/v1/prune?sample=llava-sample&method=test-slow&keep=3&ms=${ms}&tag=${tag}`, { method: 'POST' });

async function until(cond: () => boolean, ms = 5000): Promise<void> {
  const t0 = Date.now();
  while (!cond()) {
    if (Date.now() - t0 > ms) throw new Error('condition not reached');
    await sleep(10);
  }
}

describe('concurrency cap', () => {
  it('answers 503 OVERLOADED with Retry-After beyond --max-concurrent, and recovers', async () => {
    const s = await server({ maxConcurrent: 2 });
    const running = [slow(s, 700), slow(s, 700)];
    await until(() => s.state.gate.inFlight === 2);
    const third = await call(`${s.url}/v1/prune?sample=llava-sample&keep=4`, { method: 'POST' });
    expect(third.status).toBe(503);
    expect(third.headers.get('retry-after')).toBe('1');
    expect(errorOf(third)).toMatchObject({ code: 'OVERLOADED', field: 'server' });
    const health = await call(`${s.url}/healthz`);
    expect(health.status).toBe(200);
    expect((health.json as { inFlight: number }).inFlight).toBe(2);
    for (const r of await Promise.all(running)) expect(r.status).toBe(200);
    await until(() => s.state.gate.inFlight === 0);
    expect((await call(`${s.url}/v1/prune?sample=llava-sample&keep=4`, { method: 'POST' })).status).toBe(200);
    const metrics = (await call(`${s.url}/metrics`)).text;
    expect(metrics).toMatch(/d2pruner_rejected_total\{reason="overloaded"\} 1/);
    expect(metrics).toMatch(/d2pruner_http_requests_total\{method="POST",route="\/v1\/prune",status="503"\} 1/);
  });

  it('frees the slot of a request that failed', async () => {
    const s = await server({ maxConcurrent: 1 });
    expect((await call(`${s.url}/v1/prune?sample=nope&keep=4`, { method: 'POST' })).status).toBe(422);
    expect((await call(`${s.url}/v1/prune?sample=llava-sample&keep=4`, { method: 'POST' })).status).toBe(200);
    expect(s.state.gate.inFlight).toBe(0);
  });
});

describe('request timeout', () => {
  it('answers 504 TIMEOUT after --timeout-ms and aborts the work', async () => {
    const s = await server({ timeoutMs: 300 });
    const t0 = Date.now();
    const res = await slow(s, 5000, 'timeout');
    expect(Date.now() - t0).toBeLessThan(3000);
    expect(res.status).toBe(504);
    expect(errorOf(res)).toMatchObject({ code: 'TIMEOUT', field: 'request' });
    await until(() => aborted.includes('timeout'));
    await until(() => s.state.gate.inFlight === 0);
  });

  it('gives a batch line that runs too long a TIMEOUT line, and goes on', async () => {
    const s = await server({ timeoutMs: 300 });
    const body = [
      JSON.stringify({ input: 'llava-sample', method: 'test-slow', keep: 2, params: { ms: 5000, tag: 'batch' } }),
      JSON.stringify({ input: 'llava-sample', keep: 2 }),
    ].join('\n');
    const res = await call(`${s.url}/v1/prune/batch`, { method: 'POST', headers: { 'content-type': 'application/x-ndjson' }, body });
    const out = res.text.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(out[0]).toMatchObject({ error: { code: 'TIMEOUT', field: 'line' }, line: 1 });
    expect(out[1]).toMatchObject({ method: 'd2pruner', budget: 2 });
    await until(() => aborted.includes('batch'));
  });
});

describe('graceful shutdown', () => {
  it('finishes in-flight requests, then stops accepting connections', async () => {
    const s = await start({});
    const inFlight = slow(s, 600);
    await until(() => s.state.gate.inFlight === 1);
    const t0 = Date.now();
    const closed = s.close().then(() => Date.now() - t0);
    const res = await inFlight;
    expect(res.status).toBe(200);
    expect((res.json as { method: string }).method).toBe('test-slow');
    const waited = await closed;
    expect(waited).toBeGreaterThanOrEqual(400);
    expect(waited).toBeLessThan(5000);
    await expect(fetch(`${s.url}/healthz`)).rejects.toThrow();
  });

  it('answers 503 SHUTTING_DOWN to requests that arrive while it closes', async () => {
    const s = await server({});
    s.state.closing = true;
    const res = await call(`${s.url}/healthz`);
    expect(res.status).toBe(503);
    expect(res.headers.get('retry-after')).toBe('1');
    expect(errorOf(res)).toMatchObject({ code: 'SHUTTING_DOWN' });
  });

  it('closes what is still running after --shutdown-timeout-ms', async () => {
    const s = await start({ shutdownTimeoutMs: 200 });
    const inFlight = slow(s, 10_000, 'shutdown').catch((e: unknown) => e);
    await until(() => s.state.gate.inFlight === 1);
    const t0 = Date.now();
    await s.close();
    expect(Date.now() - t0).toBeLessThan(3000);
    expect(await inFlight).toBeInstanceOf(Error);
    await until(() => aborted.includes('shutdown'));
  });
});

describe('Expect: 100-continue', () => {
  it('refuses an upload with 503 before its body is sent when no slot is free, and lets it through otherwise', async () => {
    const s = await server({ maxConcurrent: 1 });
    const body = readFileSync(SAMPLE);
    const send = () =>
      new Promise<{ status: number; continued: boolean; text: string }>((resolve, reject) => {
        const req = rawRequest(`${s.url}/v1/prune?keep=8`, 'POST', { 'content-type': 'application/octet-stream', 'content-length': String(body.length), expect: '100-continue' });
        let continued = false;
        req.on('continue', () => {
          continued = true;
          req.end(body);
        });
        req.on('response', (res) => {
          let text = '';
          res.setEncoding('utf8');
          res.on('data', (d: string) => (text += d));
          res.on('end', () => {
            if (!continued) req.destroy();
            resolve({ status: res.statusCode ?? 0, continued, text });
          });
        });
        req.on('error', (e) => (continued ? reject(e) : undefined));
        req.flushHeaders();
      });
    const ok = await send();
    expect(ok).toMatchObject({ status: 200, continued: true });
    const busy = slow(s, 600);
    await until(() => s.state.gate.inFlight === 1);
    const refused = await send();
    expect(refused.status).toBe(503);
    expect(refused.continued).toBe(false);
    expect(JSON.parse(refused.text)).toMatchObject({ error: { code: 'OVERLOADED' } });
    expect((await busy).status).toBe(200);
  });
});

describe('errors raised inside a method', () => {
  it('500 INTERNAL without a stack for a bug, 503 DEVICE_LOST for a lost GPU device', async () => {
    const { DeviceLostError } = await import('@d2pruner/core');
    const failing = (name: string, error: () => Error): Method => ({ ...slowMethod, name, params: [], select: async () => Promise.reject(error()) });
    registerMethod(failing('test-bug', () => new TypeError('x is undefined')));
    registerMethod(failing('test-lost', () => new DeviceLostError('webgpu', 'the device was lost (test)')));
    const s = await server({});
    const bug = await call(`${s.url}/v1/prune?sample=llava-sample&method=test-bug&keep=3`, { method: 'POST' });
    expect(bug.status).toBe(500);
    expect(errorOf(bug)).toEqual({ code: 'INTERNAL', field: '', message: 'x is undefined' });
    expect(bug.text).not.toMatch(/at .*\.ts:\d+/);
    const lost = await call(`${s.url}/v1/prune?sample=llava-sample&method=test-lost&keep=3`, { method: 'POST' });
    expect(lost.status).toBe(503);
    expect(errorOf(lost)).toMatchObject({ code: 'DEVICE_LOST', field: 'webgpu' });
  });
});
