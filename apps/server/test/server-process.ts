import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { ROOT, call } from './helpers.js';

const MAIN = resolve(ROOT, 'apps/server/dist/main.js');

/** A server running in its own process (`dist/main.js`), so its event loop and memory are its own. */
export interface ServerProcess {
  url: string;
  port: number;
  child: ChildProcessWithoutNullStreams;
  /** Resident memory of the process (worker threads included), in MB. */
  rssMb(): number;
  /** CPU seconds the process has used (all threads). */
  cpuSeconds(): number;
  stop(): Promise<void>;
}

/** Starts `dist/main.js --port 0 --web-dir none --log-level silent …args` and waits for its start-up line. */
export async function spawnServer(args: string[]): Promise<ServerProcess> {
  if (!existsSync(MAIN)) throw new Error(`${MAIN} is missing: build the server first`);
  const env: Record<string, string | undefined> = { ...process.env };
  for (const k of Object.keys(env)) if (k === 'HOST' || k === 'PORT' || k.startsWith('D2PRUNER_')) delete env[k];
  const child = spawn(process.execPath, [MAIN, '--port', '0', '--web-dir', 'none', '--log-level', 'silent', ...args], { env, stdio: 'pipe' });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (out += d.toString()));
  const t0 = Date.now();
  for (;;) {
    const m = /listening on (http:\/\/[^\s]+) \(port (\d+)\)/.exec(out);
    if (m) {
      const pid = child.pid as number;
      return {
        url: m[1],
        port: Number(m[2]),
        child,
        rssMb: () => Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? NaN) / 1024,
        cpuSeconds: () => {
          const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
          return (Number(f[11]) + Number(f[12])) / 100;
        },
        stop: async () => {
          if (child.exitCode !== null) return;
          const exited = new Promise((r) => child.once('exit', r));
          child.kill('SIGKILL');
          await exited;
        },
      };
    }
    if (child.exitCode !== null) throw new Error(`server exited ${child.exitCode}: ${out}`);
    if (Date.now() - t0 > 30_000) throw new Error(`no start-up line: ${out}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/**
 * The server's longest event-loop delay since the last call, in ms: its own measure (prom-client's
 * `nodejs_eventloop_lag_max_seconds`, reset by each read of /metrics), so a busy test process or
 * machine does not count, as it would in the latency of probes sent from here.
 */
export async function loopLagMs(url: string): Promise<number> {
  const text = (await call(`${url}/metrics`)).text;
  const m = /^nodejs_eventloop_lag_max_seconds (\S+)$/m.exec(text);
  if (!m) throw new Error('no nodejs_eventloop_lag_max_seconds in /metrics');
  return Number(m[1]) * 1000;
}

export { dripUpload, watchHealth } from '../src/load/hostile.js';
