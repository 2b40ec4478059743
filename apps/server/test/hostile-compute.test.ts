import { connect } from 'node:net';
import { writeSafetensors } from '@d2pruner/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, errorOf, postBytes, postJson, sleep, vectorCase, type Res } from './helpers.js';
import { dripUpload, spawnServer, watchHealth, type ServerProcess } from './server-process.js';

/** The expected selection of the bundled sample (the spec's llava-7 scene), from the spec's vectors. */
const expected = vectorCase('llava-7.safetensors', 57, {}).expected.keep;
const valid = (url: string) => call(`${url}/v1/prune?sample=llava-sample&keep=57`, { method: 'POST' });

function tokens(n: number, d: number): Uint8Array {
  const features = new Float32Array(n * d);
  for (let i = 0; i < features.length; i++) features[i] = Math.sin(i * 0.37) + ((i * 7919) % 13) / 13;
  const attention = new Float32Array(n).map((_, i) => 1 + (i % 17));
  return writeSafetensors({ features: { shape: [n, d], data: features }, attention: { shape: [n], data: attention } }, {});
}

/** Runs `hostile` while /healthz is polled; returns the response, its time, the slowest /healthz and the RSS growth. */
async function underWatch(s: ServerProcess, hostile: () => Promise<Res>): Promise<{ res: Res; ms: number; healthMs: number; rssGrowthMb: number }> {
  const rss0 = s.rssMb();
  let peak = rss0;
  const sampler = setInterval(() => (peak = Math.max(peak, s.rssMb())), 25);
  const health = watchHealth(s.url, 50);
  const t0 = performance.now();
  const res = await hostile();
  const ms = performance.now() - t0;
  await sleep(150);
  clearInterval(sampler);
  const { maxMs } = await health.stop();
  return { res, ms, healthMs: maxMs, rssGrowthMb: Math.max(peak, s.rssMb()) - rss0 };
}

describe('class 1: every parameter and dimension bounded before work, compute off the event loop', () => {
  let s: ServerProcess;
  beforeAll(async () => {
    s = await spawnServer(['--backend', 'cpu', '--workers', '2', '--timeout-ms', '1500']);
    expect((await valid(s.url)).status).toBe(200);
  });
  afterAll(() => s.stop());

  it.each([
    ['debias=rope&queryPosition=20000000', 'queryPosition'],
    ['debias=rope&ropeHeadDim=2000000', 'ropeHeadDim'],
    ['debias=rope&visualStart=900000000', 'visualStart'],
    ['radius=100000', 'radius'],
    ['theta=1e300', 'theta'],
    ['method=dart&pivotImage=100000000', 'pivotImage'],
    ['method=dart&sequenceOffset=100000000', 'sequenceOffset'],
    ['method=vispruner&dropPerStep=100000000', 'dropPerStep'],
    ['method=visionzip&contextual=100000000', 'contextual'],
  ])('?%s → 422 naming %s at once, /healthz stays fast', async (query, field) => {
    const { res, ms, healthMs } = await underWatch(s, () => call(`${s.url}/v1/prune?sample=llava-sample&keep=8&${query}`, { method: 'POST' }));
    expect(res.status, res.text).toBe(422);
    expect(errorOf(res)).toMatchObject({ code: 'INVALID_INPUT', field });
    expect(ms).toBeLessThan(1000);
    expect(healthMs).toBeLessThan(1000);
  });

  it('textFeatures [1e8, 0] (a 100-byte body) → 413 naming textFeatures, RSS growth < 200 MB', async () => {
    const body = { features: [[1, 0], [0, 1], [1, 1], [0, 0]], attention: [1, 2, 3, 4], textFeatures: { rows: 1e8, cols: 0, data: [] }, method: 'cdpruner', keep: 2 };
    const { res, healthMs, rssGrowthMb } = await underWatch(s, () => postJson(`${s.url}/v1/prune`, body));
    expect(res.status, res.text).toBe(413);
    expect(errorOf(res)).toMatchObject({ code: 'PAYLOAD_TOO_LARGE', field: 'textFeatures' });
    expect(healthMs).toBeLessThan(1000);
    expect(rssGrowthMb).toBeLessThan(200);
  });

  it('a feature width over --max-dim → 413 naming features before decoding', async () => {
    const { res } = await underWatch(s, () => postBytes(`${s.url}/v1/prune?keep=1`, tokens(2, 20000)));
    expect(res.status, res.text).toBe(413);
    expect(errorOf(res)).toMatchObject({ code: 'PAYLOAD_TOO_LARGE', field: 'features' });
  });

  it('graph=dense at N 16384, D 64 → 413 naming graph at once, RSS growth < 200 MB; CDPruner keep·N over the cap → 413 naming keep', async () => {
    const bytes = tokens(16384, 64);
    const dense = await underWatch(s, () => postBytes(`${s.url}/v1/prune?keep=64&grid=128x128&graph=dense`, bytes));
    expect(dense.res.status, dense.res.text).toBe(413);
    expect(errorOf(dense.res)).toMatchObject({ code: 'PAYLOAD_TOO_LARGE', field: 'graph' });
    expect(dense.ms).toBeLessThan(1000);
    expect(dense.healthMs).toBeLessThan(1000);
    expect(dense.rssGrowthMb).toBeLessThan(200);
    const cd = await underWatch(s, () => postBytes(`${s.url}/v1/prune?keep=8000&method=cdpruner&text=false`, bytes));
    expect(cd.res.status, cd.res.text).toBe(413);
    expect(errorOf(cd.res)).toMatchObject({ code: 'PAYLOAD_TOO_LARGE', field: 'keep' });
  });

  it('keep over --max-tokens → 422 naming keep', async () => {
    const res = await call(`${s.url}/v1/prune?sample=llava-sample&keep=1000000000`, { method: 'POST' });
    expect(res.status).toBe(422);
    expect(errorOf(res)).toMatchObject({ field: 'keep' });
  });
});

describe('class 1: the deadline aborts a long computation (504), the worker stops, /healthz < 1 s throughout', () => {
  let s: ServerProcess;
  beforeAll(async () => {
    s = await spawnServer(['--backend', 'cpu', '--workers', '2', '--timeout-ms', '400']);
  });
  afterAll(() => s.stop());

  /** Within every bound, and seconds of work: the rope prior over 131072 positions × 512 frequencies. */
  const heavy = 'debias=rope&queryPosition=131072&ropeHeadDim=1024&visualStart=0';

  it('answers 504 TIMEOUT at the deadline, the worker stops computing, and the next request is served exactly', async () => {
    const { res, ms, healthMs, rssGrowthMb } = await underWatch(s, () => call(`${s.url}/v1/prune?sample=llava-sample&keep=8&${heavy}`, { method: 'POST' }));
    expect(res.status, res.text).toBe(504);
    expect(errorOf(res)).toMatchObject({ code: 'TIMEOUT', field: 'request' });
    expect(ms).toBeLessThan(400 + 1000);
    expect(healthMs).toBeLessThan(1000);
    expect(rssGrowthMb).toBeLessThan(200);
    await sleep(300);
    const cpu0 = s.cpuSeconds();
    await sleep(1000);
    expect(s.cpuSeconds() - cpu0, 'CPU seconds used in 1 s after the 504 (a runaway worker would use ~1)').toBeLessThan(0.3);
    const after = await valid(s.url);
    expect(after.status).toBe(200);
    expect((after.json as { keep: number[] }).keep).toEqual(expected);
  });

  it('a batch line over the deadline gets a TIMEOUT line, the next line is served', async () => {
    const body = [JSON.stringify({ input: 'llava-sample', keep: 8, params: { debias: 'rope', queryPosition: 131072, ropeHeadDim: 1024, visualStart: 0 } }), JSON.stringify({ input: 'llava-sample', keep: 57 })].join('\n') + '\n';
    const { res, healthMs } = await underWatch(s, () => call(`${s.url}/v1/prune/batch`, { method: 'POST', headers: { 'content-type': 'application/x-ndjson' }, body }));
    const lines = res.text.trim().split('\n').map((l) => JSON.parse(l) as { error?: { code: string; field: string }; keep?: number[]; line?: number });
    expect(lines[0]).toMatchObject({ error: { code: 'TIMEOUT', field: 'line' }, line: 1 });
    expect(lines[1].keep).toEqual(expected);
    expect(healthMs).toBeLessThan(1000);
  });
});

describe('class 3: slow uploads hold no slot; they are cut off', () => {
  it('16 connections dripping bytes take no slot: valid requests (4 at a time, the cap) are all served meanwhile (--max-concurrent 4, no minimum rate)', async () => {
    const s = await spawnServer(['--backend', 'cpu', '--workers', '2', '--max-concurrent', '4', '--min-upload-rate', '0', '--idle-timeout-ms', '3000']);
    try {
      const drips = Array.from({ length: 16 }, (_, i) => dripUpload(s.port, i % 2 ? '/v1/prune?keep=8' : '/v1/prune/batch', 200, i % 2 ? 'application/octet-stream' : 'application/x-ndjson'));
      await sleep(500);
      const health = watchHealth(s.url, 50);
      const results = await Promise.all(Array.from({ length: 4 }, () => valid(s.url)));
      for (const r of results) {
        expect(r.status, r.text).toBe(200);
        expect((r.json as { keep: number[] }).keep).toEqual(expected);
      }
      const more = await Promise.all(Array.from({ length: 4 }, () => valid(s.url)));
      expect(more.map((r) => r.status)).toEqual([200, 200, 200, 200]);
      expect((await health.stop()).maxMs).toBeLessThan(1000);
      for (const d of drips) d.socket.destroy();
    } finally {
      await s.stop();
    }
  });

  it('a request answered before its body is read (413 on Content-Length, 422 on a batch) whose body then stalls does not end the server', async () => {
    const s = await spawnServer(['--backend', 'cpu', '--workers', '1', '--min-upload-rate', '2048', '--idle-timeout-ms', '800']);
    try {
      const answers: Promise<string>[] = [];
      for (const head of [
        'POST /v1/prune?keep=8 HTTP/1.1\r\nHost: x\r\nContent-Type: application/octet-stream\r\nContent-Length: 99999999999\r\n\r\nabc',
        'POST /v1/prune/batch?bogus=1 HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-ndjson\r\nContent-Length: 100000\r\n\r\n{"input":"llava-sample","ke',
      ]) {
        const socket = connect(s.port, '127.0.0.1');
        socket.on('error', () => {});
        answers.push(new Promise((r) => socket.once('data', (d: Buffer) => r(d.toString().split('\r\n')[0]))));
        socket.write(head);
      }
      expect(await Promise.all(answers)).toEqual(['HTTP/1.1 413 Payload Too Large', 'HTTP/1.1 422 Unprocessable Entity']);
      await sleep(2500); // past the upload guard's idle limit and the minimum rate's grace second
      expect(s.child.exitCode).toBeNull();
      expect((await valid(s.url)).status).toBe(200);
    } finally {
      await s.stop();
    }
  });

  it('a body below --min-upload-rate, or one that stalls, is answered 408 SLOW_UPLOAD; a stalled batch line ends the batch with a SLOW_UPLOAD line', async () => {
    const s = await spawnServer(['--backend', 'cpu', '--workers', '1', '--min-upload-rate', '2048', '--idle-timeout-ms', '800']);
    try {
      const t0 = Date.now();
      const slow = dripUpload(s.port, '/v1/prune?keep=8', 100);
      const stalled = dripUpload(s.port, '/v1/prune?keep=8', 60_000);
      expect(await slow.answer).toBe('HTTP/1.1 408 Request Timeout');
      expect(await stalled.answer).toBe('HTTP/1.1 408 Request Timeout');
      expect(Date.now() - t0).toBeLessThan(4000);
      const batch = dripUpload(s.port, '/v1/prune/batch', 60_000, 'application/x-ndjson');
      batch.socket.write(JSON.stringify({ input: 'llava-sample', keep: 57 }) + '\n{"inp');
      let text = '';
      batch.socket.on('data', (d: Buffer) => (text += d.toString()));
      await new Promise((r) => batch.socket.once('close', r)); // the server closes a connection whose batch body stalled
      expect(text).toContain('HTTP/1.1 200');
      expect(text).toContain(`"keep":${JSON.stringify(expected)}`);
      expect(text).toMatch(/"code":"SLOW_UPLOAD","field":"body"/);
      expect((await valid(s.url)).status).toBe(200);
    } finally {
      await s.stop();
    }
  });
});
