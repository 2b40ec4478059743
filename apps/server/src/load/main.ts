import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { formatMixedReport, runMixedLoad } from './mixed.js';
import { formatLoadReport, runLoad, spawnServer } from './run.js';

/** The mixed valid / hostile run (default): exit 1 on a wrong answer, an unexpected 5xx or a /healthz over 1 s. */
async function mixed(url: string, connections: number, durationS: number): Promise<number> {
  const report = await runMixedLoad({ url, connections, durationS });
  console.log(formatMixedReport(report));
  if (process.env.LOAD_JSON === '1') console.log(JSON.stringify(report));
  return report.wrong === 0 && report.unexpected5xx === 0 && report.healthMaxMs < 1000 ? 0 : 1;
}

/**
 * `npm run load` (apps/server): starts the built server as a child process on a free loopback
 * port and drives it for 20 s over 32 connections. Default (`LOAD_MODE=mixed`): valid requests
 * checked against the spec vectors, hostile ones that must get their typed 4xx, deadline-heavy
 * ones and slow-loris uploads (see `runMixedLoad`); reports wrong answers, 5xx other than the
 * deliberate 503/504 and the slowest /healthz. `LOAD_MODE=throughput`: autocannon with
 * LLaVA-size inputs generated in code, p50/p99 latency, throughput and the server's memory.
 * Exits 1 on unexpected results. Env: LOAD_SECONDS, LOAD_CONNECTIONS, LOAD_URL (use a running
 * server instead), LOAD_JSON=1 (print the report as JSON too), LOAD_SERVER_ARGS (server flags;
 * default `--web-dir none --backend cpu --timeout-ms 3000`).
 */
async function main(): Promise<number> {
  const durationS = Number(process.env.LOAD_SECONDS ?? 20);
  const connections = Number(process.env.LOAD_CONNECTIONS ?? 32);
  const mainJs = resolve(dirname(fileURLToPath(import.meta.url)), '../main.js');
  const server = process.env.LOAD_URL ? null : await spawnServer(mainJs, (process.env.LOAD_SERVER_ARGS ?? '--web-dir none --backend cpu --timeout-ms 3000').split(' ').filter(Boolean));
  const url = process.env.LOAD_URL ?? server!.url;
  console.log(`load: target ${url}`);
  try {
    if (process.env.LOAD_MODE !== 'throughput') return await mixed(url, connections, durationS);
    const report = await runLoad({ url, connections, durationS });
    console.log(formatLoadReport(report));
    if (process.env.LOAD_JSON === '1') console.log(JSON.stringify({ ...report, memory: { ...report.memory, samples: report.memory.samples.length } }));
    return report.unexpected === 0 ? 0 : 1;
  } finally {
    if (server) await server.stop();
  }
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (e: unknown) => {
    console.error(`load: ${e instanceof Error ? e.message : String(e)}`);
    process.exitCode = 1;
  },
);
