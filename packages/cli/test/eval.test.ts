import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { EvalReport } from '@d2pruner/pipeline';
import { ROOT, runCli, useScenes, resultsWithoutTimings } from './helpers.js';

let dir: string;
let files: string[];
useScenes('d2p-eval-', ['--count', '6', '--layout', '16x16', '--bias', 'bottom', '--strength', '4', '--seed', '2', '--calibration', '16'], (d, f) => ((dir = d), (files = f)));

describe('d2pruner scenes', () => {
  it('writes the labelled scenes and a calibrated prior', () => {
    expect(readdirSync(dir).sort()).toEqual(['prior.safetensors', ...Array.from({ length: 6 }, (_, k) => `scene-000${k}.safetensors`)]);
  });

  it('the largest documented seed, 2^32 − 1, writes the scenes and their prior (exit 0)', async () => {
    const out = mkdtempSync(join(tmpdir(), 'd2p-seed-'));
    try {
      const r = await runCli(['scenes', out, '--count', '1', '--layout', '4x4', '--seed', '4294967295', '--calibration', '2']);
      expect(r.code, r.err).toBe(0);
      expect(readdirSync(out).sort()).toEqual(['prior.safetensors', 'scene-0000.safetensors']);
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  });

  it('bad options are typed errors naming them (exit 2)', async () => {
    for (const [args, field] of [
      [['--bias', 'left'], 'bias'],
      [['--count', '0'], 'count'],
      [['--layout', 'hex'], 'layout'],
      [['--frobnicate', '1'], 'frobnicate'],
    ] as const) {
      const r = await runCli(['scenes', join(dir, 'x'), ...args]);
      expect(r.code).toBe(2);
      expect(r.err).toContain(`] ${field}:`);
    }
  });
});

describe('d2pruner eval', () => {
  it('--json: one row per (method, budget), means over the files; a method missing a tensor is skipped with the reason', async () => {
    const r = await runCli(['eval', ...files, '--methods', 'd2pruner,fastv,dart', '--ratio', '0.1,0.25', '--prior', join(dir, 'prior.safetensors'), '--json']);
    expect(r.code, r.err).toBe(0);
    const report = JSON.parse(r.out) as EvalReport;
    expect(report.files).toBe(6);
    expect(report.results.map((x) => [x.method, x.budget, x.files, x.skipped])).toEqual([
      ['d2pruner', { ratio: 0.1 }, 6, 0],
      ['d2pruner', { ratio: 0.25 }, 6, 0],
      ['fastv', { ratio: 0.1 }, 6, 0],
      ['fastv', { ratio: 0.25 }, 6, 0],
      ['dart', { ratio: 0.1 }, 0, 6],
      ['dart', { ratio: 0.25 }, 0, 6],
    ]);
    expect(report.results[4]).toMatchObject({ referentHit: null, objectRecall: null, skipReasons: [{ reason: expect.stringMatching(/^\[MISSING_TENSOR\] keys/) as string, files: 6 }] });
    expect(r.err.match(/eval: skipped dart on .*scene-0000\.safetensors: \[MISSING_TENSOR\] keys/g)).toHaveLength(1);
    for (const row of report.results.slice(0, 4)) {
      expect(row.kept).toBe(Math.max(1, Math.round(('ratio' in row.budget ? row.budget.ratio : 0) * 256)));
      for (const v of [row.referentHit, row.referentShare, row.objectRecall]) expect(v).toBeGreaterThanOrEqual(0);
    }
  });

  it('--param method.name=value reaches that method only; a wrong one is a typed error naming param', async () => {
    const base = ['eval', ...files, '--methods', 'd2pruner,fastv', '--keep', '20', '--prior', join(dir, 'prior.safetensors'), '--json'];
    const a = JSON.parse((await runCli(base)).out) as EvalReport;
    const b = JSON.parse((await runCli([...base, '--param', 'd2pruner.pivot-ratio=0', '--param', 'd2pruner.theta=0.5'])).out) as EvalReport;
    expect(b.results[1].referentShare).toBe(a.results[1].referentShare);
    expect(b.results[0].referentShare).not.toBe(a.results[0].referentShare);
    for (const bad of ['fastv.alpha=1', 'divprune.x=1', 'd2pruner.alpha', 'd2pruner.alpha=2']) {
      const r = await runCli([...base, '--param', bad]);
      expect(r.code, bad).toBe(2);
      expect(r.err).toMatch(/\] (param|alpha):/);
    }
  });

  it('prints a table without --json; argument errors exit 2 naming the option', async () => {
    const r = await runCli(['eval', ...files.slice(0, 2), '--methods', 'fastv']);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^2 file\(s\)\nmethod\s+budget\s+files\s+skipped\s+referent hit\s+referent share\s+object recall\s+ms\/file\nfastv\s+ratio 0\.1\s+2\s+0\s/);
    for (const [args, field] of [
      [['--ratio', '0.1', '--keep', '5'], 'keep'],
      [['--ratio', '1.5'], 'ratio'],
      [['--methods', 'nope'], 'method'],
      [['--bogus'], 'bogus'],
    ] as const) {
      const e = await runCli(['eval', files[0], ...args]);
      expect(e.code, args.join(' ')).toBe(2);
      expect(e.err).toContain(`] ${field}`);
    }
    expect((await runCli(['eval'])).code).toBe(2);
  });

  it('an unreadable or unlabelled file is skipped for every method, the others still count', async () => {
    const r = await runCli(['eval', files[0], join(dir, 'missing.safetensors'), join(dir, 'prior.safetensors'), '--methods', 'fastv', '--json']);
    expect(r.code, r.err).toBe(0);
    const report = JSON.parse(r.out) as EvalReport;
    expect(report.results[0]).toMatchObject({ files: 1, skipped: 2 });
    expect(report.results[0].skipReasons?.map((s) => s.reason.slice(0, 30))).toEqual([expect.stringContaining('input') as string, expect.stringContaining('[MISSING_TENSOR] object') as string]);
  });

  it('when no run could run on any file, the report is still printed and the exit code is 2 (an empty table is not a result)', async () => {
    const none = await runCli(['eval', join(dir, 'missing.safetensors'), join(dir, 'prior.safetensors'), '--methods', 'fastv,divprune', '--json']);
    expect(none.code, none.err).toBe(2);
    expect((JSON.parse(none.out) as EvalReport).results.map((x) => [x.method, x.files, x.skipped])).toEqual([
      ['fastv', 0, 2],
      ['divprune', 0, 2],
    ]);
    expect(none.err).toMatch(/eval: no method ran on any of the 2 file\(s\)/);
    // one method that runs is enough for 0: another skipped everywhere (dart needs keys) is normal
    const some = await runCli(['eval', files[0], '--methods', 'fastv,dart', '--json']);
    expect(some.code, some.err).toBe(0);
    expect((JSON.parse(some.out) as EvalReport).results.map((x) => [x.method, x.files])).toEqual([
      ['fastv', 1],
      ['dart', 0],
    ]);
  });
});

describe('d2pruner eval --workers', () => {
  it('runs the methods in a worker pool with the same metrics as on the calling thread', { timeout: 60_000 }, async () => {
    const args = ['eval', ...files, '--methods', 'd2pruner,fastv,divprune,dart', '--ratio', '0.1,0.2', '--prior', join(dir, 'prior.safetensors'), '--json'];
    const strip = resultsWithoutTimings;
    const here = await runCli(args);
    // the built binary: worker threads load the built packages, not the sources vitest resolves
    const pooled = spawnSync(process.execPath, [join(ROOT, 'packages/cli/bin/d2pruner.js'), ...args, '--workers', '2'], { encoding: 'utf8' });
    expect(pooled.status, pooled.stderr).toBe(0);
    expect(strip(JSON.parse(pooled.stdout) as EvalReport)).toEqual(strip(JSON.parse(here.out) as EvalReport));
    // --workers 0 is the main thread, as for prune --batch and calibrate; below 0 is refused
    const main = await runCli([...args, '--workers', '0']);
    expect(main.code, main.err).toBe(0);
    expect(strip(JSON.parse(main.out) as EvalReport)).toEqual(strip(JSON.parse(here.out) as EvalReport));
    const negative = await runCli([...args, '--workers', '-1']);
    expect([negative.code, negative.err]).toEqual([2, expect.stringContaining('workers') as unknown as string]);
  });
});

describe('d2pruner eval on a terminal', () => {
  it('draws a progress bar on stderr when stderr is a TTY, and documents its options in --help', async () => {
    const { code, out, err } = await runCli(['eval', ...files, '--methods', 'fastv'], '', { isTTY: true });
    expect(code).toBe(0);
    expect(err).toMatch(/\reval \[#{20}\] 6\/6 done, 0 failed/);
    expect(out).toContain('fastv');
    const help = await runCli(['eval', '--help']);
    for (const flag of ['--methods', '--ratio', '--keep', '--prior', '--param', '--json', '--report', '--workers']) expect(help.out).toContain(flag);
  });
});
