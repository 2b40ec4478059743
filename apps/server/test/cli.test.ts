import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ROOT, call } from './helpers.js';

const MAIN = resolve(ROOT, 'apps/server/dist/main.js');
const children: ChildProcessWithoutNullStreams[] = [];

afterEach(() => {
  for (const c of children.splice(0)) if (c.exitCode === null) c.kill('SIGKILL');
});

function run(args: string[], env: Record<string, string> = {}, nodeArgs: string[] = []): { child: ChildProcessWithoutNullStreams; out: () => string; err: () => string; exit: Promise<number | null> } {
  if (!existsSync(MAIN)) throw new Error(`${MAIN} is missing: build the server first (npx nx run @d2pruner/server:build, or npm run build -w @d2pruner/server)`);
  const base: Record<string, string | undefined> = { ...process.env };
  for (const k of Object.keys(base)) if (k === 'HOST' || k === 'PORT' || k.startsWith('D2PRUNER_')) delete base[k];
  const child = spawn(process.execPath, [...nodeArgs, MAIN, ...args], { env: { ...base, ...env }, stdio: 'pipe' });
  children.push(child);
  let out = '';
  let err = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  const exit = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
  return { child, out: () => out, err: () => err, exit };
}

async function listening(p: ReturnType<typeof run>): Promise<string> {
  const t0 = Date.now();
  for (;;) {
    const m = /listening on (http:\/\/[^\s]+) \(port (\d+)\)/.exec(p.out());
    if (m) return m[1];
    if (p.child.exitCode !== null) throw new Error(`server exited ${p.child.exitCode}: ${p.err()}`);
    if (Date.now() - t0 > 30_000) throw new Error(`no start-up line: ${p.out()} ${p.err()}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('the server command (dist/main.js)', () => {
  it('picks a free port for --port 0, prints it, serves, and stops cleanly on SIGTERM', async () => {
    const p = run(['--port', '0', '--backend', 'cpu', '--web-dir', 'none']);
    const url = await listening(p);
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(Number(url.split(':')[2])).toBeGreaterThan(0);
    expect(((await call(`${url}/healthz`)).json as { status: string }).status).toBe('ok');
    expect((await call(`${url}/v1/prune?sample=llava-sample&keep=64`, { method: 'POST' })).status).toBe(200);
    p.child.kill('SIGTERM');
    expect(await p.exit).toBe(0);
    expect(p.out()).toContain('stopped');
  });

  it('reads HOST and PORT from the environment', async () => {
    const p = run(['--backend', 'cpu'], { HOST: '127.0.0.1', PORT: '0' });
    const url = await listening(p);
    expect(((await call(`${url}/healthz`)).json as { backendMode: string }).backendMode).toBe('cpu');
    p.child.kill('SIGINT');
    expect(await p.exit).toBe(0);
  });

  it('exits 2 naming the option for invalid flags, 1 when the port is taken', async () => {
    const bad = run(['--port', 'eighty']);
    expect(await bad.exit).toBe(2);
    expect(bad.err()).toMatch(/INVALID_ARGUMENT \(port\).*--port/);
    const first = run(['--port', '0', '--backend', 'cpu']);
    const url = await listening(first);
    const taken = run(['--port', url.split(':')[2], '--backend', 'cpu']);
    expect(await taken.exit).toBe(1);
    expect(taken.err()).toMatch(/cannot start/);
    first.child.kill('SIGTERM');
    expect(await first.exit).toBe(0);
  });

  it('prints its listening line only once SIGTERM and SIGINT stop it gracefully (a supervisor may signal on that line)', async () => {
    // a preload reports how many SIGTERM / SIGINT listeners the process has when the line is written
    const dir = mkdtempSync(join(tmpdir(), 'd2pruner-banner-'));
    const preload = join(dir, 'probe.cjs');
    writeFileSync(
      preload,
      "const w = process.stdout.write.bind(process.stdout);\n" +
        "process.stdout.write = (chunk, ...rest) => {\n" +
        "  if (String(chunk).includes('listening on')) process.stderr.write(`handlers at banner: ${process.listenerCount('SIGTERM')} ${process.listenerCount('SIGINT')}\\n`);\n" +
        '  return w(chunk, ...rest);\n' +
        '};\n',
    );
    try {
      const p = run(['--port', '0', '--backend', 'cpu', '--web-dir', 'none', '--workers', '0'], {}, ['--require', preload]);
      await listening(p);
      const m = /handlers at banner: (\d+) (\d+)/.exec(p.err());
      expect(m?.slice(1).map(Number)).toEqual([1, 1]);
      p.child.kill('SIGTERM');
      expect(await p.exit).toBe(0);
      expect(p.out()).toContain('d2pruner server: stopped');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('exits 2 naming model-dir when --model-dir does not load; says when no model is served', async () => {
    const bad = run(['--port', '0', '--backend', 'cpu', '--model-dir', resolve(ROOT, 'no-such-model-dir')]);
    expect(await bad.exit).toBe(2);
    expect(bad.err()).toMatch(/INVALID_INPUT \(model-dir\): --model-dir \(D2PRUNER_MODEL_DIR\) '.*no-such-model-dir'/);
    const env = run(['--port', '0', '--backend', 'cpu'], { D2PRUNER_MODEL_DIR: resolve(ROOT, 'no-such-model-dir') });
    expect(await env.exit).toBe(2);
    expect(env.err()).toContain('(model-dir)');
    const none = run(['--port', '0', '--backend', 'cpu', '--web-dir', 'none']);
    await listening(none);
    expect(none.out()).toMatch(/model: +none \(--model-dir DIR enables POST \/v1\/generate\)/);
    none.child.kill('SIGTERM');
    expect(await none.exit).toBe(0);
  });
});
