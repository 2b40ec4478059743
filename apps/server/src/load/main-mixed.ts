import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { formatMixedReport, runMixedLoad } from './mixed.js';
import { spawnServer } from './run.js';

/**
 * `npm run load:mixed` (apps/server): starts the built server as a child process on a free
 * loopback port, runs 32 client loops of valid prunes (checked against the spec vectors) mixed
 * with hostile requests for 20 s while timing `/healthz`, prints the report, and exits 1 on any
 * wrong answer, unexpected 5xx, unshaped error or `/healthz` over 1 s.
 * Env: LOAD_SECONDS, LOAD_CONNECTIONS, LOAD_URL (a running server instead), LOAD_SERVER_ARGS.
 */
async function main(): Promise<number> {
  const durationS = Number(process.env.LOAD_SECONDS ?? 20);
  const connections = Number(process.env.LOAD_CONNECTIONS ?? 32);
  const mainJs = resolve(dirname(fileURLToPath(import.meta.url)), '../main.js');
  const server = process.env.LOAD_URL ? null : await spawnServer(mainJs, (process.env.LOAD_SERVER_ARGS ?? '').split(' ').filter(Boolean));
  const url = process.env.LOAD_URL ?? server!.url;
  try {
    const r = await runMixedLoad({ url, connections, durationS });
    console.log(formatMixedReport(r));
    return r.wrong === 0 && r.unexpected5xx === 0 && r.unshaped === 0 && r.healthzSlow === 0 ? 0 : 1;
  } finally {
    if (server) await server.stop();
  }
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (e: unknown) => {
    console.error(`load:mixed: ${e instanceof Error ? e.message : String(e)}`);
    process.exitCode = 1;
  },
);
