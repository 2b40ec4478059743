import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { gridLayout, layoutToJson, readSafetensors, writeSafetensors } from '@d2pruner/core';
import { ROOT, runCli } from './helpers.js';

const VEC = join(ROOT, 'fixtures/vectors/d2pruner');
const tmp = mkdtempSync(join(tmpdir(), 'd2pruner-cli-'));

interface Case {
  input: string;
  keep: number;
  params: Record<string, unknown>;
  expected: { keep: number[]; pivots: number[]; picks: number[]; rounds: number };
}

describe('d2pruner prune --batch', () => {
  it('reproduces every D2Pruner vector, one result line per request, in order', async () => {
    const cases = JSON.parse(readFileSync(join(VEC, 'cases-7.json'), 'utf8')) as Case[];
    const jsonl = join(tmp, 'vectors.jsonl');
    writeFileSync(jsonl, cases.map((c) => JSON.stringify({ input: join(VEC, c.input), method: 'd2pruner', keep: c.keep, params: c.params })).join('\n') + '\n');
    const { code, out } = await runCli(['prune', '--batch', jsonl]);
    expect(code).toBe(0);
    const lines = out.trim().split('\n').map((l) => JSON.parse(l));
    expect(lines.length).toBe(cases.length);
    lines.forEach((r, i) => {
      const e = cases[i].expected;
      expect([r.keep, r.pivots, r.picks, r.rounds]).toEqual([e.keep, e.pivots, e.picks, e.rounds]);
    });
  });

  it('resolves relative paths against the JSONL folder; a bad request yields an error line and the batch goes on', async () => {
    const dir = mkdtempSync(join(tmp, 'rel-'));
    writeFileSync(join(dir, 'a.safetensors'), readFileSync(join(VEC, 'grid6-7.safetensors')));
    const lines = [
      { input: 'a.safetensors', keep: 5 },
      'not json',
      { input: 'missing.safetensors', keep: 5 },
      { input: 'a.safetensors', keep: 5, params: { alpha: 3 } },
      { input: 'a.safetensors', method: 'nope', keep: 5 },
      { input: 'a.safetensors', ratio: 0.25, params: { alpha: 0.5 } },
    ];
    writeFileSync(join(dir, 'b.jsonl'), lines.map((l) => (typeof l === 'string' ? l : JSON.stringify(l))).join('\n'));
    const { code, out, err } = await runCli(['prune', '--batch', join(dir, 'b.jsonl')]);
    expect(code).toBe(0);
    const res = out.trim().split('\n').map((l) => JSON.parse(l));
    expect(res.length).toBe(6);
    expect(res[0].keep.length).toBe(5);
    expect(res[1].error).toMatchObject({ code: 'INVALID_INPUT', field: 'line' });
    expect(res[2].error.code).toBe('INVALID_INPUT');
    expect(res[2].error.field).toBe('input');
    expect(res[3].error).toMatchObject({ code: 'INVALID_INPUT', field: 'alpha' });
    expect(res[4].error).toMatchObject({ code: 'UNKNOWN_NAME', field: 'method' });
    expect(res[5].keep.length).toBe(9);
    expect(err).toContain('2 ok, 4 failed');
  });

  it('reads requests from stdin with -', async () => {
    const { code, out } = await runCli(['prune', '--batch', '-'], JSON.stringify({ input: join(VEC, 'grid6-7.safetensors'), keep: 4 }) + '\n');
    expect(code).toBe(0);
    expect(JSON.parse(out).keep.length).toBe(4);
  });
});

describe('d2pruner prune FILE', () => {
  it('prints the selection JSON with --json and a summary otherwise', async () => {
    const json = await runCli(['prune', join(VEC, 'llava-7.safetensors'), '--method', 'd2pruner', '--keep', '64', '--alpha', '0.5', '--json']);
    expect(json.code).toBe(0);
    const s = JSON.parse(json.out);
    expect(s).toMatchObject({ method: 'd2pruner', n: 576, budget: 64, backend: 'cpu' });
    expect(s.keep.length).toBe(64);
    const human = await runCli(['prune', join(VEC, 'llava-7.safetensors'), '--keep', '64']);
    expect(human.out).toContain('kept 64 of 576');
  });

  it('--out writes the kept rows with their layout', async () => {
    const out = join(tmp, 'pruned.safetensors');
    const { code } = await runCli(['prune', join(VEC, 'grid6-7.safetensors'), '--keep', '5', '--out', out, '--json']);
    expect(code).toBe(0);
    const f = readSafetensors(readFileSync(out));
    const src = readSafetensors(readFileSync(join(VEC, 'grid6-7.safetensors')));
    const keep = Array.from(f.get('keep')!.data);
    expect(f.get('features')!.shape).toEqual([5, 16]);
    keep.forEach((k, r) => expect(Array.from(f.get('features')!.data.subarray(r * 16, r * 16 + 16))).toEqual(Array.from(src.get('features')!.data.subarray(k * 16, k * 16 + 16))));
    expect(JSON.parse(f.metadata['d2pruner.layout']).row.length).toBe(5);
  });

  const bad: [string, string[], string, string][] = [
    ['alpha out of range', ['--keep', '5', '--alpha', '2'], 'INVALID_INPUT', 'alpha'],
    ['unknown option', ['--keep', '5', '--colour', 'red'], 'INVALID_ARGUMENT', 'colour'],
    ['non-numeric keep', ['--keep', 'many'], 'INVALID_ARGUMENT', 'keep'],
    ['negative keep', ['--keep', '-3'], 'INVALID_INPUT', 'keep'],
    ['no budget', [], 'INVALID_ARGUMENT', 'keep'],
    ['unknown method', ['--keep', '5', '--method', 'magic'], 'UNKNOWN_NAME', 'method'],
    ['unknown backend', ['--keep', '5', '--backend', 'tpu'], 'INVALID_ARGUMENT', 'backend'],
    ['bad fallback', ['--keep', '5', '--fallback', 'x'], 'INVALID_INPUT', 'fallback'],
    ['grid of the wrong size is ignored when the file has a layout, so use a bad radius', ['--keep', '5', '--radius', '0.5'], 'INVALID_INPUT', 'radius'],
  ];
  it.each(bad)('%s → exit 2 with the code and field on stderr', async (_n, args, code, field) => {
    const r = await runCli(['prune', join(VEC, 'grid6-7.safetensors'), ...args]);
    expect(r.code).toBe(2);
    expect(r.err).toContain(`[${code}] ${field}:`);
    expect(r.out).toBe('');
  });

  it('corrupt, truncated, lying and unsupported files → exit 2 naming the field', async () => {
    const good = readFileSync(join(VEC, 'grid6-7.safetensors'));
    const truncated = join(tmp, 'trunc.safetensors');
    writeFileSync(truncated, good.subarray(0, good.length - 100));
    const garbage = join(tmp, 'garbage.safetensors');
    writeFileSync(garbage, Buffer.from('this is not a tensor file at all'));
    const noLayout = join(tmp, 'nolayout.safetensors');
    writeFileSync(noLayout, writeSafetensors({ features: { shape: [6, 2], data: new Float32Array(12) }, attention: { shape: [6], data: new Float32Array(6) } }));
    const wrongLayout = join(tmp, 'wronglayout.safetensors');
    writeFileSync(
      wrongLayout,
      writeSafetensors(
        { features: { shape: [4, 2], data: new Float32Array(8) }, attention: { shape: [4], data: new Float32Array(4) } },
        { 'd2pruner.layout': JSON.stringify(layoutToJson(gridLayout(3, 3))) },
      ),
    );
    const nan = join(tmp, 'nan.safetensors');
    writeFileSync(nan, writeSafetensors({ features: { shape: [4, 2], data: Float32Array.from([1, 2, NaN, 4, 5, 6, 7, 8]) }, attention: { shape: [4], data: new Float32Array(4) } }));
    const expectations: [string, string, string][] = [
      [truncated, 'CORRUPT_FILE', 'prior.data_offsets'],
      [garbage, 'CORRUPT_FILE', 'header'],
      [noLayout, 'INVALID_INPUT', 'layout'],
      [wrongLayout, 'SHAPE_MISMATCH', 'layout.frame'],
      [nan, 'INVALID_INPUT', 'features'],
      [join(tmp, 'absent.safetensors'), 'INVALID_INPUT', 'input'],
    ];
    for (const [file, code, field] of expectations) {
      const r = await runCli(['prune', file, '--keep', '2']);
      expect(r.code, file).toBe(2);
      expect(r.err, file).toContain(`[${code}] ${field}:`);
    }
    const grid = await runCli(['prune', noLayout, '--keep', '2', '--grid', '2x3', '--json']);
    expect(grid.code).toBe(0);
  });
});

describe('d2pruner methods and calibrate', () => {
  it('methods lists parameters and defaults', async () => {
    const r = await runCli(['methods', '--json']);
    const list = JSON.parse(r.out) as { name: string; params: { name: string; default?: unknown; flag: string }[] }[];
    const d2 = list.find((m) => m.name === 'd2pruner')!;
    expect(d2.params.find((p) => p.name === 'pivotRatio')).toMatchObject({ default: 0.7, flag: '--pivot-ratio' });
    expect((await runCli(['methods'])).out).toContain('--theta <number>  default 0.8');
  });

  it('calibrate averages attention per position, skips other layouts, and the prior debiases prune', async () => {
    const files: string[] = [];
    for (let k = 0; k < 4; k++) {
      const f = join(tmp, `cal${k}.safetensors`);
      writeFileSync(f, writeSafetensors({ attention: { shape: [4], data: Float32Array.from([1, 2, 3, 4].map((v) => v * (k + 1))) } }));
      files.push(f);
    }
    const other = join(tmp, 'cal-other.safetensors');
    writeFileSync(other, writeSafetensors({ attention: { shape: [9], data: new Float32Array(9).fill(1) } }));
    const prior = join(tmp, 'prior.safetensors');
    const r = await runCli(['calibrate', ...files, other, '--out', prior, '--model', 'llava-1.5-7b', '--layer', '2']);
    expect(r.code).toBe(0);
    expect(r.err).toContain('skipped');
    const p = readSafetensors(readFileSync(prior));
    expect(Array.from(p.get('prior')!.data)).toEqual([2.5, 5, 7.5, 10]);
    expect(p.metadata).toMatchObject({ 'd2pruner.model': 'llava-1.5-7b', 'd2pruner.layer': '2', 'd2pruner.samples': '4' });
    const missing = await runCli(['calibrate', ...files]);
    expect(missing.code).toBe(2);
    expect(missing.err).toContain('[INVALID_ARGUMENT] out:');
  });
});

describe('the d2pruner binary', () => {
  const bin = join(ROOT, 'packages/cli/bin/d2pruner.js');
  it('exits 2 with a one-line message and no stack trace on bad input', () => {
    const r = spawnSync(process.execPath, [bin, 'prune', join(tmp, 'absent.safetensors'), '--keep', '3'], { encoding: 'utf8' });
    expect(r.status).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });
  it('prunes a file end to end', () => {
    const out = execFileSync(process.execPath, [bin, 'prune', join(VEC, 'llava-7.safetensors'), '--keep', '64', '--json'], { encoding: 'utf8' });
    expect(JSON.parse(out).keep.length).toBe(64);
  });
});
