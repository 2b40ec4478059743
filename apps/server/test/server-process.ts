import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { resolve } from 'node:path';
import { ROOT } from './helpers.js';

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

/** Polls `/healthz` every `everyMs` until stopped; reports the slowest answer (a failed probe counts as Infinity). */
export function watchHealth(url: string, everyMs = 100): { stop(): Promise<{ maxMs: number; probes: number }> } {
  let running = true;
  let maxMs = 0;
  let probes = 0;
  const loop = (async () => {
    while (running) {
      const t0 = performance.now();
      try {
        const r = await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(5000) });
        await r.text();
        if (r.status !== 200) maxMs = Infinity;
      } catch {
        maxMs = Infinity;
      }
      maxMs = Math.max(maxMs, performance.now() - t0);
      probes++;
      await new Promise((r) => setTimeout(r, everyMs));
    }
  })();
  return {
    stop: async () => {
      running = false;
      await loop;
      return { maxMs, probes };
    },
  };
}

/**
 * A client that opens a POST with a large Content-Length and then sends its body one byte per
 * `everyMs` (a slow-loris upload). Resolves with the status line the server answers, or 'closed'.
 */
export function dripUpload(port: number, path: string, everyMs: number, contentType = 'application/octet-stream'): { socket: Socket; answer: Promise<string> } {
  const socket = connect(port, '127.0.0.1');
  socket.setNoDelay(true);
  let response = '';
  const answer = new Promise<string>((resolveAnswer) => {
    socket.on('data', (d: Buffer) => {
      response += d.toString();
      const line = response.split('\r\n')[0];
      if (response.includes('\r\n\r\n')) resolveAnswer(line);
    });
    socket.on('close', () => resolveAnswer(response.split('\r\n')[0] || 'closed'));
    socket.on('error', () => resolveAnswer(response.split('\r\n')[0] || 'closed'));
  });
  socket.write(`POST ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: ${contentType}\r\nContent-Length: 100000\r\n\r\n`);
  const timer = setInterval(() => {
    if (socket.destroyed) clearInterval(timer);
    else socket.write('x');
  }, everyMs);
  socket.on('close', () => clearInterval(timer));
  return { socket, answer };
}
