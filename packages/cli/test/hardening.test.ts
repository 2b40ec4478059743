import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { writeSafetensors } from '@d2pruner/core';
import { ROOT } from './helpers.js';

/** These tests spawn the built `d2pruner` binary, as a user's shell would. */
const BIN = join(ROOT, 'packages/cli/bin/d2pruner.js');
const VEC = join(ROOT, 'fixtures/vectors/d2pruner');
const GRID6 = join(VEC, 'grid6-7.safetensors');
const tmp = mkdtempSync(join(tmpdir(), 'd2pruner-harden-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

interface Run {
  code: number | null;
  out: string;
  err: string;
  /** Peak resident set of the child in bytes (from /proc, sampled), 0 when unknown. */
  peakRss: number;
  ms: number;
}

/** Runs the binary with a time limit, sampling its RSS; `stdin` is written and closed. */
function run(args: string[], opts: { timeoutMs?: number; stdin?: string } = {}): Promise<Run> {
  return new Promise((resolve) => {
    const t0 = Date.now();
    const child = spawn(process.execPath, [BIN, ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    let peakRss = 0;
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const sample = setInterval(() => {
      try {
        const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'));
        if (m) peakRss = Math.max(peakRss, Number(m[1]) * 1024);
      } catch {
        /* exited */
      }
    }, 20);
    const kill = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 20_000);
    child.stdin.end(opts.stdin ?? '');
    child.on('close', (code) => {
      clearInterval(sample);
      clearTimeout(kill);
      resolve({ code, out, err, peakRss, ms: Date.now() - t0 });
    });
  });
}

const errorOf = (line: string) => JSON.parse(line) as { id?: string | number; line?: number; error?: { code: string; field: string; message: string } };

describe('class 6: the CLI reads regular files only, size-capped, checked before reading', () => {
  const fifo = join(tmp, 'fifo');
  execFileSync('mkfifo', [fifo]);

  it.each([
    ['/dev/zero', 'a device'],
    [fifo, 'FIFO'],
    [tmp, 'directory'],
  ])('prune %s exits 2 naming input, at once and without growing', async (path, kind) => {
    const r = await run(['prune', path, '--keep', '3'], { timeoutMs: 15_000 });
    expect(r.code).toBe(2);
    expect(r.err).toContain('error [INVALID_INPUT] input:');
    expect(r.err).toContain(kind);
    expect(r.ms).toBeLessThan(10_000);
    expect(r.peakRss).toBeLessThan(400 * 2 ** 20);
  });

  it('a batch line naming /dev/zero or a FIFO is an error line (id kept) and the batch goes on', async () => {
    const jsonl = join(tmp, 'hostile.jsonl');
    writeFileSync(
      jsonl,
      [
        { id: 'zero', input: '/dev/zero', keep: 3 },
        { id: 'ok', input: GRID6, keep: 5 },
        { id: 'fifo', input: fifo, keep: 3 },
        { id: 7, input: GRID6, keep: 5, params: { alpha: 'high' } },
        { id: 'after', input: GRID6, keep: 4 },
      ]
        .map((l) => JSON.stringify(l))
        .join('\n') + '\n',
    );
    const r = await run(['prune', '--batch', jsonl], { timeoutMs: 30_000 });
    expect(r.code).toBe(0);
    const lines = r.out.trim().split('\n').map(errorOf);
    expect(lines.map((l) => l.id)).toEqual(['zero', 'ok', 'fifo', 7, 'after']);
    expect(lines[0]).toMatchObject({ line: 1, error: { code: 'INVALID_INPUT', field: 'input' } });
    expect(lines[2]).toMatchObject({ line: 3, error: { code: 'INVALID_INPUT', field: 'input' } });
    expect(lines[3]).toMatchObject({ line: 4, error: { field: 'alpha' } });
    expect((lines[1] as { keep?: number[] }).keep).toHaveLength(5);
    expect((lines[4] as { keep?: number[] }).keep).toHaveLength(4);
    expect(r.peakRss).toBeLessThan(400 * 2 ** 20);
    expect(r.err).toContain('batch: 2 ok, 3 failed');
  });

  it('a batch source that is a device or a directory exits 2 naming batch', async () => {
    for (const src of ['/dev/zero', tmp]) {
      const r = await run(['prune', '--batch', src], { timeoutMs: 15_000 });
      expect(r.code, src).toBe(2);
      expect(r.err, src).toContain('[INVALID_INPUT] batch:');
    }
  });
});

describe('classes 2 and 5: layouts from a file are bounded and one token per cell, in the CLI too', () => {
  const scene = (layout: unknown) =>
    writeSafetensors(
      { features: { shape: [36, 4], data: new Float32Array(144).map((_, i) => Math.sin(i)) }, attention: { shape: [36], data: new Float32Array(36).map((_, i) => i + 1) } },
      { 'd2pruner.layout': JSON.stringify(layout) },
    );
  const grid6 = { frames: [{ rows: 6, cols: 6 }], frame: new Array(36).fill(0), row: Array.from({ length: 36 }, (_, i) => Math.floor(i / 6)), col: Array.from({ length: 36 }, (_, i) => i % 6) };

  it('a 1 KB file declaring three 20000×20000 frames exits 2 naming layout, without growing', async () => {
    const f = join(tmp, 'huge-frames.safetensors');
    writeFileSync(f, scene({ ...grid6, frames: [0, 1, 2].map(() => ({ rows: 20000, cols: 20000 })) }));
    const r = await run(['prune', f, '--keep', '8']);
    expect(r.code).toBe(2);
    expect(r.err).toContain('[INVALID_INPUT] layout:');
    expect(r.peakRss).toBeLessThan(400 * 2 ** 20);
  });

  it('two tokens on one cell exit 2 naming layout, with the lazy and the dense graph alike', async () => {
    const f = join(tmp, 'dup.safetensors');
    writeFileSync(f, scene({ ...grid6, col: grid6.col.map((c, i) => (i === 35 ? 0 : c)) }));
    for (const graph of ['lazy', 'dense']) {
      const r = await run(['prune', f, '--keep', '16', '--alpha', '0.5', '--theta', '0.6', '--radius', '0', '--graph', graph]);
      expect(r.code, graph).toBe(2);
      expect(r.err, graph).toContain('[INVALID_INPUT] layout:');
    }
  });
});

describe('class 8: smaller CLI defects', () => {
  it('flops --visual 1e300 exits 2 naming visual; no NaN anywhere', async () => {
    const r = await run(['flops', '--model', 'llava-1.5-7b', '--keep', '64', '--visual', '1e300']);
    expect(r.code).toBe(2);
    expect(r.err).toContain('[INVALID_INPUT] visual:');
    expect(r.out + r.err).not.toContain('NaN');
    const ok = await run(['flops', '--model', 'llava-1.5-7b', '--keep', '64', '--visual', String(2 ** 24), '--json']);
    expect(ok.code).toBe(0);
    const report = JSON.parse(ok.out) as { full: { macs: number }; reduction: number };
    expect(Number.isFinite(report.full.macs)).toBe(true);
    expect(Number.isFinite(report.reduction)).toBe(true);
  });

  it('an unwritable --out exits 2 naming out (missing folder, read-only folder, a directory)', async () => {
    const ro = join(tmp, 'ro');
    mkdirSync(ro);
    chmodSync(ro, 0o500);
    const asRoot = process.getuid?.() === 0;
    const targets = [join(tmp, 'no/such/dir/x.safetensors'), tmp, ...(asRoot ? [] : [join(ro, 'x.safetensors')])];
    for (const out of targets) {
      const r = await run(['prune', GRID6, '--keep', '5', '--out', out]);
      expect(r.code, out).toBe(2);
      expect(r.err, out).toContain('[INVALID_ARGUMENT] out:');
      expect(r.err, out).not.toContain('internal error');
    }
  });

  it('prune --batch exits 0 with failed lines, and 1 with --strict; the exit codes are in --help', async () => {
    const jsonl = join(tmp, 'mixed.jsonl');
    writeFileSync(jsonl, `${JSON.stringify({ input: GRID6, keep: 5 })}\nnot json\n`);
    const lax = await run(['prune', '--batch', jsonl]);
    expect(lax.code).toBe(0);
    const strict = await run(['prune', '--batch', jsonl, '--strict']);
    expect(strict.code).toBe(1);
    expect(strict.out.trim().split('\n')).toHaveLength(2);
    const clean = join(tmp, 'clean.jsonl');
    writeFileSync(clean, `${JSON.stringify({ input: GRID6, keep: 5 })}\n`);
    expect((await run(['prune', '--batch', clean, '--strict'])).code).toBe(0);
    const help = await run(['--help']);
    expect(help.out).toContain('--strict');
    expect(help.out).toMatch(/prune --batch: 0 when every line/);
  });

  it('a batch line whose fields fail to parse keeps its id and line', async () => {
    const jsonl = join(tmp, 'ids.jsonl');
    writeFileSync(jsonl, [JSON.stringify({ id: 'a', input: GRID6, keep: 'five' }), JSON.stringify({ id: 9, input: 42 }), '{"id":"x"'].join('\n'));
    const r = await run(['prune', '--batch', jsonl]);
    const lines = r.out.trim().split('\n').map(errorOf);
    expect(lines[0]).toMatchObject({ id: 'a', line: 1, error: { field: 'keep' } });
    expect(lines[1]).toMatchObject({ id: 9, line: 2, error: { field: 'input' } });
    expect(lines[2]).toMatchObject({ line: 3, error: { field: 'line' } });
  });

  it('piping a long batch into head ends quietly: no MaxListenersExceededWarning, no EPIPE trace', () => {
    const jsonl = join(tmp, 'long.jsonl');
    writeFileSync(jsonl, Array.from({ length: 400 }, (_, i) => JSON.stringify({ id: i, input: GRID6, keep: 5 })).join('\n') + '\n');
    const r = spawnSync('bash', ['-c', `"${process.execPath}" "${BIN}" prune --batch "${jsonl}" --concurrency 8 | head -n 2`], { encoding: 'utf8', timeout: 60_000 });
    expect(r.status).toBe(0);
    expect(r.stdout.trim().split('\n')).toHaveLength(2);
    expect(r.stderr).not.toContain('MaxListenersExceededWarning');
    expect(r.stderr).not.toContain('EPIPE');
  });
});
