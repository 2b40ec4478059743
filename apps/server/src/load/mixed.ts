import { readFileSync } from 'node:fs';
import { connect } from 'node:net';
import { resolve } from 'node:path';
import { repoRoot } from '../paths.js';

/** Options of {@link runMixedLoad}. */
export interface MixedLoadOptions {
  /** Base URL of a running server (its samples must include the D2Pruner vectors). */
  url: string;
  /** Concurrent client loops (default 32). */
  connections?: number;
  /** Seconds (default 20). */
  durationS?: number;
  /** `/healthz` probe interval in ms (default 250). */
  probeMs?: number;
}

/** What a mixed run saw. */
export interface MixedLoadReport {
  connections: number;
  durationS: number;
  /** Requests by kind: `valid:<case>` or `hostile:<attack>`. */
  sent: Record<string, number>;
  /** Statuses by kind. */
  statuses: Record<string, Record<string, number>>;
  /** Valid requests answered 200 with a selection that differs from the spec vector. */
  wrong: number;
  /** 5xx answers other than the deliberate 503 (overload) and 504 (deadline). */
  unexpected5xx: number;
  /** Hostile requests answered 2xx, or without the error shape. */
  unshaped: number;
  /** `/healthz` probes and the slowest one in ms. */
  probes: number;
  healthzMaxMs: number;
  /** Probes slower than 1 s. */
  healthzSlow: number;
}

interface Expected {
  input: string;
  keep: number;
  params: Record<string, unknown>;
  expected: { keep: number[] };
}

type Attempt = { kind: string; run: (url: string) => Promise<{ status: number; text: string }>; check?: (text: string) => boolean };

async function fetchText(url: string, init?: RequestInit): Promise<{ status: number; text: string }> {
  const r = await fetch(url, init);
  return { status: r.status, text: await r.text() };
}

function raw(url: string, request: string): Promise<{ status: number; text: string }> {
  const u = new URL(url);
  return new Promise((done) => {
    const s = connect(Number(u.port), u.hostname);
    let got = '';
    s.setTimeout(15_000, () => s.destroy());
    s.on('data', (d) => (got += d.toString()));
    s.on('close', () => done({ status: Number(/^HTTP\/1\.1 (\d{3})/.exec(got)?.[1] ?? 0), text: got.slice(got.indexOf('\r\n\r\n') + 4) }));
    s.on('error', () => undefined);
    s.write(request);
  });
}

const json = (body: unknown): RequestInit => ({ method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

/** The hostile requests of issue 14's classes 2, 4, 5 and 8 (each < 1 MB). */
function hostile(): Attempt[] {
  const grid6 = { frames: [{ rows: 6, cols: 6 }], frame: new Array(36).fill(0), row: Array.from({ length: 36 }, (_, i) => Math.floor(i / 6)), col: Array.from({ length: 36 }, (_, i) => i % 6) };
  const features = Array.from({ length: 36 }, (_, i) => [Math.cos(i), Math.sin(i), 1]);
  const attention = Array.from({ length: 36 }, (_, i) => i + 1);
  const deep = '['.repeat(10_000) + ']'.repeat(10_000);
  return [
    { kind: 'hostile:huge-frames', run: (u) => fetchText(`${u}/v1/prune?keep=8`, json({ features, attention, layout: { ...grid6, frames: [0, 1, 2].map(() => ({ rows: 20000, cols: 20000 })) } })) },
    { kind: 'hostile:huge-grid', run: (u) => fetchText(`${u}/v1/prune?sample=llava-7&keep=8&grid=10000x10000`, { method: 'POST' }) },
    { kind: 'hostile:duplicate-cells', run: (u) => fetchText(`${u}/v1/prune?keep=16&radius=0&graph=dense`, json({ features, attention, layout: { ...grid6, col: grid6.col.map((c, i) => (i === 35 ? 0 : c)) } })) },
    { kind: 'hostile:deep-json', run: (u) => fetchText(`${u}/v1/prune`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: deep }) },
    { kind: 'hostile:dot-segments', run: (u) => raw(u, 'GET /assets/../../etc/passwd HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n') },
    { kind: 'hostile:nul-path', run: (u) => raw(u, 'GET /index.html%00 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n') },
    { kind: 'hostile:big-headers', run: (u) => raw(u, `GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(40_000)}\r\n\r\n`) },
    { kind: 'hostile:flops-1e300', run: (u) => fetchText(`${u}/v1/flops?model=llava-1.5-7b&keep=64&visual=1e300`) },
    { kind: 'hostile:long-value', run: (u) => fetchText(`${u}/v1/prune?keep=3&${'x'.repeat(100_000)}=1`, { method: 'POST' }) },
    {
      kind: 'hostile:bad-base64-line',
      run: (u) => fetchText(`${u}/v1/prune/batch`, { method: 'POST', headers: { 'content-type': 'application/x-ndjson' }, body: `${JSON.stringify({ id: 'b', input: 'data:application/octet-stream;base64,@@@', keep: 3 })}\n` }),
      check: (t) => /"error"/.test(t) && /"id":"b"/.test(t),
    },
  ];
}

const isErrorShape = (text: string): boolean => {
  try {
    const e = (JSON.parse(text) as { error?: { code?: unknown; field?: unknown; message?: unknown } }).error;
    return typeof e?.code === 'string' && typeof e.field === 'string' && typeof e.message === 'string' && text.length < 2000;
  } catch {
    return false;
  }
};

/**
 * 32 client loops for `durationS` seconds, each alternating valid prunes of the spec's vector
 * scenes (answers compared index for index with the vectors) and the hostile requests of issue
 * 14, while a probe times `GET /healthz`. Reports wrong answers, 5xx other than deliberate
 * 503/504, hostile requests answered outside the error shape, and the slowest `/healthz`.
 */
export async function runMixedLoad(options: MixedLoadOptions): Promise<MixedLoadReport> {
  const connections = options.connections ?? 32;
  const durationS = options.durationS ?? 20;
  const cases = (JSON.parse(readFileSync(resolve(repoRoot(), 'fixtures/vectors/d2pruner/cases-7.json'), 'utf8')) as Expected[]).filter((c) => c.keep > 0);
  const attacks = hostile();
  const report: MixedLoadReport = { connections, durationS, sent: {}, statuses: {}, wrong: 0, unexpected5xx: 0, unshaped: 0, probes: 0, healthzMaxMs: 0, healthzSlow: 0 };
  const end = Date.now() + durationS * 1000;
  const note = (kind: string, status: number) => {
    report.sent[kind] = (report.sent[kind] ?? 0) + 1;
    const s = (report.statuses[kind] ??= {});
    s[status] = (s[status] ?? 0) + 1;
    if (status >= 500 && status !== 503 && status !== 504) report.unexpected5xx++;
  };
  const loop = async (c: number) => {
    for (let i = c; Date.now() < end; i += connections) {
      try {
        if (i % 2 === 0) {
          const v = cases[(i / 2) % cases.length];
          const q = new URLSearchParams({ sample: v.input.replace(/\.safetensors$/, ''), keep: String(v.keep), ...Object.fromEntries(Object.entries(v.params).map(([k, x]) => [k, String(x)])) });
          const r = await fetchText(`${options.url}/v1/prune?${q}`, { method: 'POST' });
          note('valid', r.status);
          if (r.status === 200 && JSON.stringify((JSON.parse(r.text) as { keep: number[] }).keep) !== JSON.stringify(v.expected.keep)) report.wrong++;
        } else {
          const a = attacks[((i - 1) / 2) % attacks.length];
          const r = await a.run(options.url);
          note(a.kind, r.status);
          const ok = a.check ? a.check(r.text) : r.status >= 400 && r.status < 500 && isErrorShape(r.text);
          if (!ok && r.status !== 503 && r.status !== 504) report.unshaped++;
        }
      } catch {
        note('client-error', 0);
      }
    }
  };
  const probe = async () => {
    while (Date.now() < end) {
      const t0 = performance.now();
      try {
        await fetch(`${options.url}/healthz`);
      } catch {
        /* counted as slow below */
      }
      const ms = performance.now() - t0;
      report.probes++;
      report.healthzMaxMs = Math.max(report.healthzMaxMs, ms);
      if (ms > 1000) report.healthzSlow++;
      await new Promise((r) => setTimeout(r, options.probeMs ?? 250));
    }
  };
  await Promise.all([probe(), ...Array.from({ length: connections }, (_, c) => loop(c))]);
  return report;
}

/** The report as text. */
export function formatMixedReport(r: MixedLoadReport): string {
  const lines = [`mixed load: ${r.connections} connections × ${r.durationS} s, valid prunes of the spec vectors + hostile requests of issue 14`];
  for (const [kind, statuses] of Object.entries(r.statuses)) lines.push(`  ${kind.padEnd(26)} ${JSON.stringify(statuses)}`);
  lines.push(`  wrong answers ${r.wrong}, unexpected 5xx ${r.unexpected5xx}, hostile answers outside the error shape ${r.unshaped}`);
  lines.push(`  /healthz: ${r.probes} probes, slowest ${r.healthzMaxMs.toFixed(0)} ms, ${r.healthzSlow} over 1 s`);
  return lines.join('\n');
}
