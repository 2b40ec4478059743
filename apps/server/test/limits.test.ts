import { readFileSync } from 'node:fs';
import { registerMethod, type Method } from '@d2pruner/core';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { RunningServer } from '../src/index.js';
import { SAMPLE, call, errorOf, rawRequest, sleep, socketTo, start, until, type RawSocket } from './helpers.js';

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

describe('request bodies held at once (--max-buffered-bytes)', () => {
  /** Starts an upload declaring `length` bytes (or chunked, without one), sends `first` bytes, and resolves with the answer (or null when the socket ends without one). */
  function upload(s: RunningServer, length: number | null, first: number) {
    const headers: Record<string, string> = { 'content-type': 'application/octet-stream' };
    if (length !== null) headers['content-length'] = String(length);
    const req = rawRequest(`${s.url}/v1/prune?keep=8`, 'POST', headers);
    const answer = new Promise<{ status: number; retryAfter?: string; text: string } | null>((resolve) => {
      req.on('response', (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (d: string) => (text += d));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, retryAfter: res.headers['retry-after'] as string | undefined, text }));
        res.on('error', () => resolve(null));
      });
      req.on('error', () => resolve(null));
    });
    if (first > 0) req.write(Buffer.alloc(first));
    else req.flushHeaders();
    return { req, answer };
  }

  it('refuses an upload that would pass the budget with 503 OVERLOADED naming body before reading it, counts chunked bodies as they arrive, and gives the bytes back', async () => {
    const MiB = 1024 * 1024;
    // budget: --max-concurrent × --max-body-bytes = 2 MiB; uploads stall (no minimum rate, long idle timeout)
    const s = await server({ maxBodyBytes: MiB, maxConcurrent: 2, idleTimeoutMs: 20_000, minUploadRate: 0 });
    expect(s.state.bodies.limit).toBe(2 * MiB);
    const stalled = [upload(s, 1_000_000, 1000), upload(s, 1_000_000, 1000)];
    await until(() => s.state.bodies.held === 2_000_000);
    const t0 = Date.now();
    const declared = await upload(s, 100_000, 0).answer;
    expect(Date.now() - t0).toBeLessThan(1000);
    expect(declared?.status).toBe(503);
    expect(declared?.retryAfter).toBe('1');
    expect(JSON.parse(declared?.text ?? '{}')).toMatchObject({ error: { code: 'OVERLOADED', field: 'body' } });
    const chunked = upload(s, null, 0);
    chunked.req.write(Buffer.alloc(200_000));
    const refused = await chunked.answer;
    expect(refused?.status).toBe(503);
    expect(JSON.parse(refused?.text ?? '{}')).toMatchObject({ error: { code: 'OVERLOADED', field: 'body' } });
    expect(s.state.bodies.held).toBe(2_000_000);
    for (const u of stalled) u.req.destroy();
    await until(() => s.state.bodies.held === 0);
    const ok = await call(`${s.url}/v1/prune?keep=8`, { method: 'POST', headers: { 'content-type': 'application/octet-stream' }, body: readFileSync(SAMPLE) });
    expect(ok.status, ok.text).toBe(200);
    await until(() => s.state.bodies.held === 0);
  });
});

describe('NDJSON lines held at once (--max-buffered-bytes)', () => {
  /** Starts a chunked NDJSON upload to `path`, sends `first` bytes of one unfinished line, and resolves with the whole answer once the server ends it (or null when the socket fails first). */
  function stream(s: RunningServer, path: string, first: number) {
    const req = rawRequest(`${s.url}${path}`, 'POST', { 'content-type': 'application/x-ndjson' });
    const answer = new Promise<{ status: number; text: string; connection?: string } | null>((resolve) => {
      req.on('response', (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (d: string) => (text += d));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text, connection: res.headers.connection }));
        res.on('error', () => resolve({ status: res.statusCode ?? 0, text }));
      });
      req.on('error', () => resolve(null));
    });
    req.write('{"input":"' + 'x'.repeat(first - 10));
    return { req, answer };
  }

  it('counts a batch or eval line as it is buffered: a line that does not fit ends that batch with an OVERLOADED line naming body (and eval with 503); other requests go on', async () => {
    const s = await server({ maxBodyBytes: 1_000_000, maxBufferedBytes: 1_500_000, idleTimeoutMs: 20_000, minUploadRate: 0 });
    const held = stream(s, '/v1/prune/batch', 1_000_000);
    await until(() => s.state.bodies.held === 1_000_000);
    const t0 = Date.now();
    const batch = await stream(s, '/v1/prune/batch', 800_000).answer;
    expect(Date.now() - t0).toBeLessThan(3000);
    expect(batch?.status).toBe(200);
    const lines = (batch?.text ?? '').trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ error: { code: 'OVERLOADED', field: 'body' }, line: 1 });
    const evaluation = await stream(s, '/v1/eval', 800_000).answer;
    expect(evaluation?.status).toBe(503);
    expect(JSON.parse(evaluation?.text ?? '{}')).toMatchObject({ error: { code: 'OVERLOADED', field: 'body' } });
    expect((await call(`${s.url}/healthz`)).status).toBe(200);
    await until(() => s.state.bodies.held === 1_000_000);
    held.req.destroy();
    await until(() => s.state.bodies.held === 0);
    const body = [JSON.stringify({ input: 'llava-sample', keep: 4 }), JSON.stringify({ input: 'llava-sample', keep: 8 })].join('\n');
    const ok = await call(`${s.url}/v1/prune/batch`, { method: 'POST', headers: { 'content-type': 'application/x-ndjson' }, body });
    expect(ok.text.trim().split('\n').map((l) => (JSON.parse(l) as { budget: number }).budget)).toEqual([4, 8]);
    await until(() => s.state.bodies.held === 0);
    expect((await call(`${s.url}/metrics`)).text).toMatch(/d2pruner_rejected_total\{reason="buffered_bytes"\} 2/);
  });
});

describe('slow and idle connections', () => {
  /** Writes `chunk` every 50 ms until the server closes the connection (at most 3 s). */
  async function dripUntilClosed(c: RawSocket, chunk: string): Promise<void> {
    const drip = setInterval(() => c.socket.write(chunk), 50);
    try {
      await until(() => c.closed(), 3000);
    } finally {
      clearInterval(drip);
    }
  }

  it('cuts off headers that trickle in over --headers-timeout-ms with 408', async () => {
    const s = await server({ headersTimeoutMs: 300 });
    const c = await socketTo(s);
    c.socket.write('GET /healthz HTTP/1.1\r\nhost: x\r\n');
    await dripUntilClosed(c, 'x-drip: 1\r\n');
    expect(c.received()).toMatch(/^HTTP\/1\.1 408/);
    expect(c.received()).toContain('"SLOW_UPLOAD"');
  });

  it('closes the connection of a response that goes before its request body has arrived (a GET trickling a body)', async () => {
    const s = await server({});
    const c = await socketTo(s);
    c.socket.write('GET /healthz HTTP/1.1\r\nhost: x\r\ncontent-length: 1000\r\n\r\n');
    await dripUntilClosed(c, 'x');
    expect(c.received()).toMatch(/^HTTP\/1\.1 200/);
    expect(c.received().toLowerCase()).toContain('connection: close');
  });

  it('ends a batch whose body takes over --stream-timeout-ms with a SLOW_UPLOAD line, after the results of its complete lines', async () => {
    const s = await server({ streamTimeoutMs: 500, idleTimeoutMs: 20_000 });
    const req = rawRequest(`${s.url}/v1/prune/batch`, 'POST', { 'content-type': 'application/x-ndjson' });
    const answer = new Promise<string>((resolve) => {
      req.on('response', (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (d: string) => (text += d));
        res.on('end', () => resolve(text));
        res.on('error', () => resolve(text));
      });
      req.on('error', () => resolve(''));
    });
    req.write(JSON.stringify({ input: 'llava-sample', keep: 4 }) + '\n');
    const t0 = Date.now();
    const lines = (await answer).trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(Date.now() - t0).toBeLessThan(3000);
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatchObject({ budget: 4 });
    expect(lines[1]).toMatchObject({ error: { code: 'SLOW_UPLOAD', field: 'body' } });
    expect((lines[1].error as { message: string }).message).toContain('--stream-timeout-ms');
    req.destroy();
  });

  it('refuses connections beyond --max-connections, and serves again once one closes', async () => {
    const s = await server({ maxConnections: 2 });
    const open = [await socketTo(s), await socketTo(s)];
    const third = await socketTo(s);
    await until(() => third.closed(), 3000);
    expect(third.received()).toBe('');
    open[0].socket.destroy();
    await sleep(100);
    const health = await call(`${s.url}/healthz`, { headers: { connection: 'close' } });
    expect(health.status).toBe(200);
    open[1].socket.destroy();
    expect((await call(`${s.url}/metrics`, { headers: { connection: 'close' } })).text).toMatch(/d2pruner_rejected_total\{reason="connections"\} 1/);
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
