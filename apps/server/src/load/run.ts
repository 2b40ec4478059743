import { spawn, type ChildProcess } from 'node:child_process';
import autocannon, { type AutocannonResult } from 'autocannon';
import { syntheticScene } from './synthetic.js';

/** Options of {@link runLoad}. */
export interface LoadOptions {
  /** Base URL of a running server. */
  url: string;
  /** Concurrent connections (default 32). */
  connections?: number;
  /** Seconds (default 20). */
  durationS?: number;
  /** Distinct generated inputs sent in rotation (default 4). */
  inputs?: number;
  /** Feature width of the generated inputs (default 4096). */
  dim?: number;
  /** Query string of each request (default `keep=64`). */
  query?: string;
  /** Memory sampling interval in ms (default 500). */
  sampleMs?: number;
  /** Idle time after the run before the last memory sample (default 2000 ms). */
  settleMs?: number;
}

/** One memory sample of the server, read from its `/metrics`. */
export interface MemorySample {
  t: number;
  rss: number;
  heap: number;
  external: number;
}

/** What a load run measured. */
export interface LoadReport {
  connections: number;
  durationS: number;
  bodyBytes: number;
  requests: number;
  ok: number;
  overloaded: number;
  /** Responses that are neither 200 nor the deliberate 503, plus socket errors and timeouts. */
  unexpected: number;
  statusCounts: Record<string, number>;
  errors: number;
  timeouts: number;
  /** Completed requests per second (all statuses) and 200s per second. */
  rps: number;
  okPerS: number;
  latencyMs: { p50: number; p90: number; p99: number; max: number; mean: number };
  memory: {
    samples: MemorySample[];
    rssStartMb: number;
    rssMaxMb: number;
    rssEndMb: number;
    /** Lowest heap / external memory in the first and the last third of the run (after 2 warm-up samples). */
    heapFloorFirstMb: number;
    heapFloorLastMb: number;
    externalFloorFirstMb: number;
    externalFloorLastMb: number;
    /** The sample taken `settleMs` after the run (no request in flight). */
    idle: { rssMb: number; heapMb: number; externalMb: number };
  };
}

async function metricsSample(url: string): Promise<MemorySample | null> {
  try {
    const text = await (await fetch(`${url}/metrics`)).text();
    const read = (name: string) => Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(text)?.[1] ?? NaN);
    return { t: Date.now(), rss: read('process_resident_memory_bytes'), heap: read('nodejs_heap_size_used_bytes'), external: read('nodejs_external_memory_bytes') };
  } catch {
    return null;
  }
}

const MB = 1024 * 1024;

function floor(samples: readonly MemorySample[], key: 'heap' | 'external'): number {
  return samples.length ? Math.min(...samples.map((s) => s[key])) / MB : NaN;
}

/**
 * Drives `POST /v1/prune` with autocannon on loopback: `connections` keep-alive connections for
 * `durationS` seconds, each request a generated LLaVA-size safetensors body (N 576, D 4096),
 * while sampling the server's memory from `/metrics`. 200 and the deliberate 503 (concurrency
 * cap) are expected; anything else counts as `unexpected`.
 */
export async function runLoad(options: LoadOptions): Promise<LoadReport> {
  const connections = options.connections ?? 32;
  const durationS = options.durationS ?? 20;
  const bodies = Array.from({ length: options.inputs ?? 4 }, (_, i) => Buffer.from(syntheticScene({ seed: i + 1, dim: options.dim })));
  const path = `/v1/prune?${options.query ?? 'keep=64'}`;
  const samples: MemorySample[] = [];
  let sampling = true;
  const sampler = (async () => {
    while (sampling) {
      const s = await metricsSample(options.url);
      if (s) samples.push(s);
      await new Promise((r) => setTimeout(r, options.sampleMs ?? 500));
    }
  })();
  let result: AutocannonResult;
  try {
    result = await autocannon({
      url: options.url,
      connections,
      duration: durationS,
      timeout: 60,
      requests: bodies.map((body) => ({ method: 'POST', path, headers: { 'content-type': 'application/octet-stream' }, body })),
    });
  } finally {
    sampling = false;
    await sampler;
  }
  await new Promise((r) => setTimeout(r, options.settleMs ?? 2000));
  const idle = (await metricsSample(options.url)) ?? { t: Date.now(), rss: NaN, heap: NaN, external: NaN };
  const statusCounts = Object.fromEntries(Object.entries(result.statusCodeStats).map(([k, v]) => [k, v.count]));
  const ok = statusCounts['200'] ?? 0;
  const overloaded = statusCounts['503'] ?? 0;
  const total = Object.values(statusCounts).reduce((a, b) => a + b, 0);
  const third = Math.max(1, Math.floor(samples.length / 3));
  const warm = samples.slice(Math.min(2, samples.length - 1));
  return {
    connections,
    durationS: result.duration,
    bodyBytes: bodies[0].byteLength,
    requests: total,
    ok,
    overloaded,
    unexpected: total - ok - overloaded + result.errors + result.timeouts,
    statusCounts,
    errors: result.errors,
    timeouts: result.timeouts,
    rps: total / result.duration,
    okPerS: ok / result.duration,
    latencyMs: { p50: result.latency.p50, p90: result.latency.p90, p99: result.latency.p99, max: result.latency.max, mean: result.latency.mean },
    memory: {
      samples,
      rssStartMb: (samples[0]?.rss ?? NaN) / MB,
      rssMaxMb: Math.max(...samples.map((s) => s.rss)) / MB,
      rssEndMb: (samples[samples.length - 1]?.rss ?? NaN) / MB,
      heapFloorFirstMb: floor(warm.slice(0, third), 'heap'),
      heapFloorLastMb: floor(warm.slice(-third), 'heap'),
      externalFloorFirstMb: floor(warm.slice(0, third), 'external'),
      externalFloorLastMb: floor(warm.slice(-third), 'external'),
      idle: { rssMb: idle.rss / MB, heapMb: idle.heap / MB, externalMb: idle.external / MB },
    },
  };
}

/** A server started as a child process (`dist/main.js`), for measurements apart from the client. */
export interface ServerProcess {
  url: string;
  child: ChildProcess;
  /** SIGTERM and wait; resolves with the exit code. */
  stop(): Promise<number | null>;
}

/** Starts `node mainJs --port 0 …args` and waits for its start-up line. */
export function spawnServer(mainJs: string, args: readonly string[] = [], nodeArgs: readonly string[] = []): Promise<ServerProcess> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...nodeArgs, mainJs, '--port', '0', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
    child.stderr?.on('data', (d: Buffer) => (err += d.toString()));
    child.stdout?.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /listening on (http:\/\/\S+) /.exec(out);
      if (m) {
        resolve({
          url: m[1],
          child,
          stop: () => {
            child.kill('SIGTERM');
            return exited;
          },
        });
      }
    });
    child.on('exit', (code) => reject(new Error(`server exited (${code}) before listening: ${err.slice(-2000)}`)));
  });
}

/** The report as a few human lines. */
export function formatLoadReport(r: LoadReport): string {
  const m = r.memory;
  return [
    `load: ${r.connections} connections × ${r.durationS.toFixed(0)} s, POST /v1/prune with ${(r.bodyBytes / MB).toFixed(1)} MB safetensors (N 576, D 4096)`,
    `  responses: ${r.requests} (${JSON.stringify(r.statusCounts)}), socket errors ${r.errors}, timeouts ${r.timeouts}, unexpected ${r.unexpected}`,
    `  throughput: ${r.rps.toFixed(1)} responses/s, ${r.okPerS.toFixed(1)} selections/s`,
    `  latency: p50 ${r.latencyMs.p50} ms, p90 ${r.latencyMs.p90} ms, p99 ${r.latencyMs.p99} ms, max ${r.latencyMs.max} ms`,
    `  server memory: RSS ${m.rssStartMb.toFixed(0)} → max ${m.rssMaxMb.toFixed(0)} → end ${m.rssEndMb.toFixed(0)} MB; heap floor ${m.heapFloorFirstMb.toFixed(1)} → ${m.heapFloorLastMb.toFixed(1)} MB; external floor ${m.externalFloorFirstMb.toFixed(1)} → ${m.externalFloorLastMb.toFixed(1)} MB (${m.samples.length} samples)`,
    `  after the run (idle): RSS ${m.idle.rssMb.toFixed(0)} MB, heap ${m.idle.heapMb.toFixed(1)} MB, external ${m.idle.externalMb.toFixed(1)} MB`,
  ].join('\n');
}
