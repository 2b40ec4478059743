import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { formatLoadReport, runLoad, spawnServer } from './run.js';

/**
 * `npm run load` (apps/server): starts the built server as a child process on a free loopback
 * port, drives it with autocannon (32 connections, 20 s, LLaVA-size inputs generated in code),
 * prints p50/p99 latency, throughput and the server's memory, and exits 1 on unexpected errors.
 * Env: LOAD_SECONDS, LOAD_CONNECTIONS, LOAD_URL (use a running server instead), LOAD_JSON=1
 * (print the report as JSON too), LOAD_SERVER_ARGS (extra server flags).
 */
async function main(): Promise<number> {
  const durationS = Number(process.env.LOAD_SECONDS ?? 20);
  const connections = Number(process.env.LOAD_CONNECTIONS ?? 32);
  const mainJs = resolve(dirname(fileURLToPath(import.meta.url)), '../main.js');
  const server = process.env.LOAD_URL ? null : await spawnServer(mainJs, (process.env.LOAD_SERVER_ARGS ?? '--web-dir none').split(' ').filter(Boolean));
  const url = process.env.LOAD_URL ?? server!.url;
  console.log(`load: target ${url}`);
  try {
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
