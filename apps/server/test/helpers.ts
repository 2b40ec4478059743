import { readFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { connect, type Socket } from 'node:net';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { defaultConfig, startServer, type AppOptions, type RunningServer, type ServerConfig } from '../src/index.js';

/** The repository root. */
export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
/** The bundled LLaVA-like sample (the spec's llava-7 scene). */
export const SAMPLE = resolve(ROOT, 'fixtures/samples/llava-sample.safetensors');
/** The spec's D2Pruner vectors. */
export const VECTORS = resolve(ROOT, 'fixtures/vectors/d2pruner');

/** One case of the spec's D2Pruner vectors (expected values from an independent implementation). */
export interface VectorCase {
  input: string;
  method: string;
  keep: number;
  params: Record<string, unknown>;
  expected: { keep: number[]; pivots: number[]; picks: number[]; rounds: number };
}

/** The spec's D2Pruner cases. */
export function vectorCases(): VectorCase[] {
  return JSON.parse(readFileSync(resolve(VECTORS, 'cases-7.json'), 'utf8')) as VectorCase[];
}

/** The first vector case on `input` with `keep` and exactly `params`. */
export function vectorCase(input: string, keep: number, params: Record<string, unknown> = {}): VectorCase {
  const c = vectorCases().find((x) => x.input === input && x.keep === keep && JSON.stringify(x.params) === JSON.stringify(params));
  if (!c) throw new Error(`no vector case ${input} keep ${keep} ${JSON.stringify(params)}`);
  return c;
}

/** A server on 127.0.0.1 with a free port, CPU backend and no request log unless overridden. */
export function start(overrides: Partial<ServerConfig> = {}, options: AppOptions = {}): Promise<RunningServer> {
  return startServer({ ...defaultConfig(), host: '127.0.0.1', port: 0, logLevel: 'silent', backend: 'cpu', ...overrides }, options);
}

/** A response: status, headers, raw text and the parsed JSON (when it parses). */
export interface Res {
  status: number;
  headers: Headers;
  text: string;
  json: unknown;
}

/** Fetches and reads the whole response. */
export async function call(url: string, init?: RequestInit): Promise<Res> {
  const r = await fetch(url, init);
  const text = await r.text();
  let json: unknown = undefined;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: r.status, headers: r.headers, text, json };
}

/** POSTs bytes as application/octet-stream. */
export function postBytes(url: string, bytes: Uint8Array, type = 'application/octet-stream'): Promise<Res> {
  return call(url, { method: 'POST', headers: { 'content-type': type }, body: bytes });
}

/** POSTs a JSON value. */
export function postJson(url: string, value: unknown): Promise<Res> {
  return call(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(value) });
}

/** The `{code, field}` of an error response (fails loudly when the body is not an error). */
export function errorOf(res: Res): { code: string; field: string; message: string } {
  const e = (res.json as { error?: { code: string; field: string; message: string } } | undefined)?.error;
  if (!e) throw new Error(`not an error body (${res.status}): ${res.text.slice(0, 200)}`);
  return e;
}

/** Raw HTTP request with node:http (streaming bodies, early responses). */
export function rawRequest(url: string, method: string, headers: Record<string, string>): ReturnType<typeof httpRequest> {
  const u = new URL(url);
  return httpRequest({ host: u.hostname, port: u.port, path: u.pathname + u.search, method, headers });
}

/** Sleeps. */
export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Waits until `cond()` holds, checking every 10 ms; throws after `ms`. */
export async function until(cond: () => boolean, ms = 5000): Promise<void> {
  const t0 = Date.now();
  while (!cond()) {
    if (Date.now() - t0 > ms) throw new Error('condition not reached');
    await sleep(10);
  }
}

/** A raw TCP connection: the socket, everything it has received, and whether it has closed. */
export interface RawSocket {
  socket: Socket;
  received(): string;
  closed(): boolean;
}

/** Opens a raw TCP connection to the server on 127.0.0.1 (errors are ignored: `closed()` says it ended). */
export async function socketTo(s: { port: number }): Promise<RawSocket> {
  const socket = connect(s.port, '127.0.0.1');
  let text = '';
  let closed = false;
  socket.setEncoding('utf8');
  socket.on('data', (d: string) => (text += d));
  socket.on('close', () => (closed = true));
  socket.on('error', () => {});
  await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
  return { socket, received: () => text, closed: () => closed };
}

/** The value of one series in a Prometheus exposition (undefined when absent). */
export function series(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  for (const line of text.split('\n')) {
    if (!line.startsWith(name)) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})? (.+)$/.exec(line);
    if (!m || m[1] !== name) continue;
    const got = new Map([...(m[3] ?? '').matchAll(/([a-z_]+)="((?:[^"\\]|\\.)*)"/g)].map((x) => [x[1], x[2]]));
    if (Object.entries(labels).every(([k, v]) => got.get(k) === v)) return Number(m[4]);
  }
  return undefined;
}
