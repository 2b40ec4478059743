import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { writeSafetensors } from '@d2pruner/core';
import { repoRoot } from '../paths.js';
import { dripUpload, watchHealth } from './hostile.js';

/** Options of {@link runMixedLoad}. */
export interface MixedLoadOptions {
  /** Base URL of a running server. */
  url: string;
  /** Concurrent client connections (default 32). */
  connections?: number;
  /** Seconds (default 20). */
  durationS?: number;
  /** Connections that drip bytes as slow-loris uploads (default 4). */
  drippers?: number;
  /** Connections that send in-bounds requests heavy enough to meet the deadline (default 1). */
  heavy?: number;
}

/** What one request ended as. */
interface Outcome {
  kind: string;
  status: number | 'error' | 'cut off' | 'open at the end';
  /** A 200 whose selection differs from the spec vectors, or a 4xx with another code / field. */
  wrong?: string;
}

/** What a mixed run saw. */
export interface MixedLoadReport {
  connections: number;
  durationS: number;
  requests: number;
  /** Status counts per request kind. */
  byKind: Record<string, Record<string, number>>;
  /** Wrong answers (first 10 described). */
  wrong: number;
  wrongExamples: string[];
  /** 5xx other than the deliberate 503 (overload) and 504 (deadline), and socket errors. */
  unexpected5xx: number;
  /** Slowest `/healthz` during the run as this client saw it (its own scheduling included), ms. */
  healthMaxMs: number;
  healthProbes: number;
  /** The server's own event-loop delay over its life (prom-client's `nodejs_eventloop_lag_max_seconds` / `_p99_seconds`), ms. */
  serverLoopMaxMs: number;
  serverLoopP99Ms: number;
}

async function serverLoopLag(url: string): Promise<{ max: number; p99: number }> {
  try {
    const text = await (await fetch(`${url}/metrics`)).text();
    const read = (name: string) => Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(text)?.[1] ?? NaN) * 1000;
    return { max: read('nodejs_eventloop_lag_max_seconds'), p99: read('nodejs_eventloop_lag_p99_seconds') };
  } catch {
    return { max: NaN, p99: NaN };
  }
}

interface Case {
  input: string;
  keep: number;
  params: Record<string, unknown>;
  expected: { keep: number[] };
}

type Probe = (url: string) => Promise<Outcome>;

const VECTORS = () => resolve(repoRoot(), 'fixtures/vectors/d2pruner');

function vector(cases: readonly Case[], input: string, keep: number, params: Record<string, unknown>): Case {
  const c = cases.find((x) => x.input === input && x.keep === keep && JSON.stringify(x.params) === JSON.stringify(params));
  if (!c) throw new Error(`no vector ${input} keep ${keep} ${JSON.stringify(params)}`);
  return c;
}

async function send(url: string, path: string, init: RequestInit = {}): Promise<{ status: number; text: string }> {
  const r = await fetch(`${url}${path}`, { method: 'POST', ...init, signal: AbortSignal.timeout(60_000) });
  return { status: r.status, text: await r.text() };
}

function expectKeep(kind: string, res: { status: number; text: string }, keep: readonly number[]): Outcome {
  if (res.status !== 200) return { kind, status: res.status, ...(res.status < 500 ? { wrong: `${kind}: ${res.status} ${res.text.slice(0, 160)}` } : {}) };
  const got = (JSON.parse(res.text) as { keep?: number[] }).keep;
  return JSON.stringify(got) === JSON.stringify(keep) ? { kind, status: 200 } : { kind, status: 200, wrong: `${kind}: keep ${JSON.stringify(got)?.slice(0, 80)}` };
}

function expectError(kind: string, res: { status: number; text: string }, status: number, code: string, field: string): Outcome {
  if (res.status >= 500) return { kind, status: res.status };
  let e: { code?: string; field?: string } | undefined;
  try {
    e = (JSON.parse(res.text) as { error?: { code: string; field: string } }).error;
  } catch {
    e = undefined;
  }
  const ok = res.status === status && e?.code === code && e.field === field;
  return ok ? { kind, status: res.status } : { kind, status: res.status, wrong: `${kind}: ${res.status} ${res.text.slice(0, 160)} (want ${status} ${code} ${field})` };
}

/**
 * One slow-loris upload, held until the server cuts it off: a whole body must get 408
 * `SLOW_UPLOAD`, a batch its `SLOW_UPLOAD` line; a connection the server closed while the client
 * was still sending (its answer lost to the reset) counts as cut off too.
 */
async function slowUpload(port: number, host: string, whole: boolean, end: number): Promise<Outcome> {
  const d = dripUpload(port, whole ? '/v1/prune?keep=8' : '/v1/prune/batch', 250, whole ? 'application/octet-stream' : 'application/x-ndjson', host);
  const line = await Promise.race([d.answer, new Promise<string>((r) => setTimeout(() => r('still open'), Math.max(0, end - Date.now())))]);
  if (!whole && line.includes(' 200 ')) await new Promise((r) => (d.socket.destroyed ? r(null) : d.socket.once('close', r)));
  d.socket.destroy();
  const kind = whole ? 'slow upload (prune)' : 'slow upload (batch)';
  if (line === 'still open') return { kind, status: 'open at the end' };
  if (line === 'closed') return { kind, status: 'cut off' };
  const status = Number(/^HTTP\/1\.1 (\d+)/.exec(line)?.[1] ?? NaN);
  const ok = whole ? status === 408 : status === 200 && d.text().includes('"SLOW_UPLOAD"');
  return { kind, status, ...(ok ? {} : { wrong: `${kind}: ${d.text().slice(0, 200)}` }) };
}

/** Hostile requests of memory from metadata, client errors and layouts (classes 2, 4, 5, 8), each < 1 MB. */
function layoutProbes(): Probe[] {
  const json = { 'content-type': 'application/json' };
  const features = Array.from({ length: 36 }, (_, i) => [Math.cos(i), Math.sin(i), 1]);
  const attention = Array.from({ length: 36 }, (_, i) => i + 1);
  const grid6 = { frames: [{ rows: 6, cols: 6 }], frame: new Array(36).fill(0), row: Array.from({ length: 36 }, (_, i) => Math.floor(i / 6)), col: Array.from({ length: 36 }, (_, i) => i % 6) };
  const hugeFrames = JSON.stringify({ features, attention, layout: { ...grid6, frames: [0, 1, 2].map(() => ({ rows: 20000, cols: 20000 })) }, keep: 8 });
  const duplicate = JSON.stringify({ features, attention, layout: { ...grid6, col: grid6.col.map((c, i) => (i === 35 ? 0 : c)) } });
  const deep = '['.repeat(10_000) + ']'.repeat(10_000);
  return [
    async (url) => expectError('3 frames 20000²', await send(url, '/v1/prune', { headers: json, body: hugeFrames }), 422, 'INVALID_INPUT', 'layout'),
    async (url) => expectError('grid 10000x10000', await send(url, '/v1/prune?sample=llava-sample&keep=8&grid=10000x10000'), 413, 'PAYLOAD_TOO_LARGE', 'grid'),
    async (url) => expectError('duplicate cells', await send(url, '/v1/prune?keep=16&alpha=0.5&theta=0.6&radius=0&graph=dense', { headers: json, body: duplicate }), 422, 'INVALID_INPUT', 'layout'),
    async (url) => expectError('JSON 10000 deep', await send(url, '/v1/prune', { headers: json, body: deep }), 400, 'MALFORMED_BODY', 'body'),
    async (url) => expectError('%00 path', await send(url, '/index.html%00', { method: 'GET' }), 404, 'NOT_FOUND', 'path'),
    async (url) => expectError('100 KB query key', await send(url, `/v1/prune?keep=3&${'x'.repeat(100_000)}=1`), 431, 'HEADERS_TOO_LARGE', 'headers'),
    async (url) => expectError('flops visual 1e300', await send(url, '/v1/flops?model=llava-1.5-7b&keep=64&visual=1e300', { method: 'GET' }), 422, 'INVALID_INPUT', 'visual'),
  ];
}

/** The valid and hostile requests of the mix, each with the answer it must get. */
function probes(): { mix: Probe[]; heavy: Probe } {
  const cases = JSON.parse(readFileSync(resolve(VECTORS(), 'cases-7.json'), 'utf8')) as Case[];
  const llava = vector(cases, 'llava-7.safetensors', 57, {}).expected.keep;
  const llavaAlpha = vector(cases, 'llava-7.safetensors', 57, { alpha: 0.5 }).expected.keep;
  const internvl = cases.find((c) => c.input === 'internvl-2x3-7.safetensors' && c.keep > 8 && Object.keys(c.params).length === 0) as Case;
  const internvlBytes = readFileSync(resolve(VECTORS(), internvl.input));
  const n = 16384;
  const d = 64;
  const denseBody = Buffer.from(writeSafetensors({ features: { shape: [n, d], data: new Float32Array(n * d).map((_, i) => Math.sin(i)) }, attention: { shape: [n], data: new Float32Array(n).fill(1) } }, {}));
  const ndjson = { 'content-type': 'application/x-ndjson' };
  const mix: Probe[] = [
    async (url) => expectKeep('valid sample', await send(url, '/v1/prune?sample=llava-sample&keep=57'), llava),
    async (url) => expectKeep('valid body', await send(url, `/v1/prune?keep=${internvl.keep}`, { headers: { 'content-type': 'application/octet-stream' }, body: internvlBytes }), internvl.expected.keep),
    async (url) => expectKeep('valid alpha', await send(url, '/v1/prune?sample=llava-sample&keep=57&alpha=0.5'), llavaAlpha),
    async (url) => {
      const body = [JSON.stringify({ input: 'llava-sample', keep: 57 }), '{oops', JSON.stringify({ input: 'llava-sample', keep: 57, params: { alpha: 0.5 } })].join('\n') + '\n';
      const res = await send(url, '/v1/prune/batch', { headers: ndjson, body });
      if (res.status !== 200) return { kind: 'batch', status: res.status, ...(res.status < 500 ? { wrong: `batch: ${res.status}` } : {}) };
      const lines = res.text.trim().split('\n').map((l) => JSON.parse(l) as { keep?: number[]; error?: { code: string; field: string } });
      const ok = lines.length === 3 && JSON.stringify(lines[0].keep) === JSON.stringify(llava) && lines[1].error?.field === 'line' && JSON.stringify(lines[2].keep) === JSON.stringify(llavaAlpha);
      const busy = lines.some((l) => l.error?.code === 'TIMEOUT');
      return ok || busy ? { kind: 'batch', status: 200 } : { kind: 'batch', status: 200, wrong: `batch: ${res.text.slice(0, 200)}` };
    },
    async (url) => expectError('queryPosition 2e7', await send(url, '/v1/prune?sample=llava-sample&keep=8&debias=rope&queryPosition=20000000'), 422, 'INVALID_INPUT', 'queryPosition'),
    async (url) => expectError('ropeHeadDim 2e6', await send(url, '/v1/prune?sample=llava-sample&keep=8&debias=rope&ropeHeadDim=2000000'), 422, 'INVALID_INPUT', 'ropeHeadDim'),
    async (url) =>
      expectError(
        'textFeatures [1e8, 0]',
        await send(url, '/v1/prune', { headers: { 'content-type': 'application/json' }, body: JSON.stringify({ features: [[1, 0], [0, 1]], attention: [1, 2], textFeatures: { rows: 1e8, cols: 0, data: [] }, keep: 1 }) }),
        413,
        'PAYLOAD_TOO_LARGE',
        'textFeatures',
      ),
    async (url) => expectError('graph=dense N 16384', await send(url, '/v1/prune?keep=64&grid=128x128&graph=dense', { headers: { 'content-type': 'application/octet-stream' }, body: denseBody }), 413, 'PAYLOAD_TOO_LARGE', 'graph'),
    async (url) => expectError('malformed JSON', await send(url, '/v1/prune', { headers: { 'content-type': 'application/json' }, body: '{"keep":' }), 400, 'MALFORMED_BODY', 'body'),
    ...layoutProbes(),
  ];
  const heavy: Probe = async (url) => {
    const res = await send(url, '/v1/prune?sample=llava-sample&keep=8&debias=rope&queryPosition=131072&ropeHeadDim=1024&visualStart=0');
    return { kind: 'heavy (deadline)', status: res.status, ...(res.status !== 200 && res.status < 500 ? { wrong: `heavy: ${res.status} ${res.text.slice(0, 160)}` } : {}) };
  };
  return { mix, heavy };
}

/**
 * 32 connections × 20 s of mixed traffic against a running server: valid requests whose
 * selections are checked index for index against the spec vectors (a sample, a safetensors
 * body, a batch with a bad line), hostile ones that must get their typed 4xx (parameters over
 * their bounds, a [1e8, 0] text tensor, a dense graph at N 16384, malformed JSON), in-bounds
 * requests heavy enough to meet the deadline (200 or a deliberate 504), and slow-loris uploads
 * (408). Reports wrong answers, 5xx other than the deliberate 503 / 504, and the slowest
 * `/healthz` seen while it ran.
 */
export async function runMixedLoad(options: MixedLoadOptions): Promise<MixedLoadReport> {
  const connections = options.connections ?? 32;
  const durationS = options.durationS ?? 20;
  const drippers = options.drippers ?? 4;
  const heavyCount = options.heavy ?? 1;
  const { mix, heavy } = probes();
  const port = Number(new URL(options.url).port);
  const host = new URL(options.url).hostname;
  const outcomes: Outcome[] = [];
  const end = Date.now() + durationS * 1000;
  const health = watchHealth(options.url, 100);
  const loop = async (i: number) => {
    for (let k = i; Date.now() < end; k += connections) {
      if (i < drippers) {
        outcomes.push(await slowUpload(port, host, i % 2 === 1, end));
        continue;
      }
      const probe = i < drippers + heavyCount ? heavy : mix[k % mix.length];
      try {
        outcomes.push(await probe(options.url));
      } catch (e) {
        outcomes.push({ kind: 'client', status: 'error', wrong: `client error: ${e instanceof Error ? e.message : String(e)}` });
      }
    }
  };
  await Promise.all(Array.from({ length: connections }, (_, i) => loop(i)));
  const { maxMs, probes: healthProbes } = await health.stop();
  const lag = await serverLoopLag(options.url);
  const byKind: Record<string, Record<string, number>> = {};
  for (const o of outcomes) {
    const k = (byKind[o.kind] ??= {});
    k[String(o.status)] = (k[String(o.status)] ?? 0) + 1;
  }
  const wrong = outcomes.filter((o) => o.wrong);
  const unexpected5xx = outcomes.filter((o) => o.status === 'error' || (typeof o.status === 'number' && o.status >= 500 && o.status !== 503 && o.status !== 504)).length;
  return { connections, durationS, requests: outcomes.length, byKind, wrong: wrong.length, wrongExamples: wrong.slice(0, 10).map((o) => o.wrong as string), unexpected5xx, healthMaxMs: maxMs, healthProbes, serverLoopMaxMs: lag.max, serverLoopP99Ms: lag.p99 };
}

/** The report as a few human lines. */
export function formatMixedReport(r: MixedLoadReport): string {
  const kinds = Object.entries(r.byKind).map(([k, v]) => `    ${k.padEnd(24)} ${JSON.stringify(v)}`);
  return [
    `load (mixed): ${r.connections} connections × ${r.durationS} s, ${r.requests} requests`,
    ...kinds,
    `  wrong answers: ${r.wrong}${r.wrongExamples.length ? ` — ${r.wrongExamples.join(' | ')}` : ''}`,
    `  5xx other than deliberate 503/504 (and socket errors): ${r.unexpected5xx}`,
    `  /healthz: max ${r.healthMaxMs.toFixed(0)} ms over ${r.healthProbes} probes (client side); server event-loop delay max ${r.serverLoopMaxMs.toFixed(0)} ms, p99 ${r.serverLoopP99Ms.toFixed(0)} ms`,
  ].join('\n');
}
