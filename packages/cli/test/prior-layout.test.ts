import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gridLayout, layoutToJson, writeSafetensors, type Layout } from '@d2pruner/core';
import type { EvalReport } from '@d2pruner/pipeline';
import { runCli, sceneFiles } from './helpers.js';

const tmp = mkdtempSync(join(tmpdir(), 'd2pruner-prior-layout-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** A 24-token file on `layout`, with attention and features. */
function tokenFile(name: string, layout: Layout, seed: number): string {
  const n = 24;
  const path = join(tmp, name);
  writeFileSync(
    path,
    writeSafetensors(
      {
        attention: { shape: [n], data: Float32Array.from({ length: n }, (_, i) => 0.1 + ((i * seed) % 7) / 7) },
        features: { shape: [n, 4], data: Float32Array.from({ length: 4 * n }, (_, i) => Math.sin(i * seed)) },
      },
      { 'd2pruner.layout': JSON.stringify(layoutToJson(layout)) },
    ),
  );
  return path;
}

/** Two frames of 2×6: 24 tokens, like 4×6, on another layout. */
function twoFrames(): Layout {
  const frame = new Int32Array(24);
  const row = new Int32Array(24);
  const col = new Int32Array(24);
  for (let i = 0; i < 24; i++) {
    frame[i] = i < 12 ? 0 : 1;
    row[i] = Math.floor((i % 12) / 6);
    col[i] = i % 6;
  }
  return { frames: [{ rows: 2, cols: 6 }, { rows: 2, cols: 6 }], frame, row, col };
}

let g4x6: string;
let other: [string, string][];
let prior: string;

beforeAll(async () => {
  g4x6 = tokenFile('g4x6.safetensors', gridLayout(4, 6), 1);
  const g4x6b = tokenFile('g4x6b.safetensors', gridLayout(4, 6), 2);
  other = [
    ['6×4', tokenFile('g6x4.safetensors', gridLayout(6, 4), 3)],
    ['3×8', tokenFile('g3x8.safetensors', gridLayout(3, 8), 4)],
    ['2×6 + 2×6', tokenFile('two.safetensors', twoFrames(), 5)],
  ];
  prior = join(tmp, 'prior-4x6.safetensors');
  const r = await runCli(['calibrate', g4x6, g4x6b, '--out', prior, '--workers', '0']);
  expect(r.code, r.err).toBe(0);
});

const PRIOR_ERROR = /^d2pruner: error \[INVALID_INPUT\] prior: the prior was calibrated on layout 4x6:[^\n]*\n$/;

describe('--prior belongs to the layout it was calibrated on (docs/algorithm.md §6)', () => {
  it('prune: a prior calibrated on 4×6 files is refused on 6×4, 3×8 and two-frame files of the same N, naming prior', async () => {
    for (const [what, file] of other) {
      const r = await runCli(['prune', file, '--keep', '4', '--prior', prior, '--json']);
      expect(r.code, what).toBe(2);
      expect(r.err, what).toMatch(PRIOR_ERROR);
      expect(r.out, what).toBe('');
    }
  });

  it('prune: the same prior is accepted on a 4×6 file', async () => {
    const r = await runCli(['prune', g4x6, '--keep', '4', '--prior', prior, '--json']);
    expect(r.code, r.err).toBe(0);
    expect((JSON.parse(r.out) as { keep: number[] }).keep).toHaveLength(4);
  });

  it('a hand-written prior with the 4×6 signature is refused on 6×4 and accepted on 4×6; one without the metadata is not checked', async () => {
    const data = Float32Array.from({ length: 24 }, (_, i) => 1 + i / 24);
    const signed = join(tmp, 'signed.safetensors');
    writeFileSync(signed, writeSafetensors({ prior: { shape: [24], data } }, { 'd2pruner.layoutSignature': '4x6:n24:ignored-hash' }));
    const r = await runCli(['prune', other[0][1], '--keep', '4', '--prior', signed]);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/^d2pruner: error \[INVALID_INPUT\] prior: the prior was calibrated on layout 4x6:n24:ignored-hash, but this input's layout is 6x4:[^\n]*\n$/);
    const bare = join(tmp, 'bare.safetensors');
    writeFileSync(bare, writeSafetensors({ prior: { shape: [24], data } }));
    expect((await runCli(['prune', other[0][1], '--keep', '4', '--prior', bare])).code).toBe(0);
  });

  it('prune --batch: lines on another layout fail naming prior (main thread and workers), a 4×6 line runs', async () => {
    const lines = join(tmp, 'batch.jsonl');
    writeFileSync(lines, [g4x6, ...other.map(([, f]) => f)].map((input) => JSON.stringify({ input, keep: 4 }) + '\n').join(''));
    for (const workers of ['0', '1']) {
      const r = await runCli(['prune', '--batch', lines, '--prior', prior, '--workers', workers]);
      expect(r.code, r.err).toBe(0);
      const results = r.out.trim().split('\n').map((l) => JSON.parse(l) as { keep?: number[]; error?: { code: string; field: string } });
      expect(results.map((x) => x.error?.field ?? x.keep?.length), `--workers ${workers}`).toEqual([4, 'prior', 'prior', 'prior']);
      expect(results[1].error?.code).toBe('INVALID_INPUT');
    }
  });
});

describe('eval --prior checks the layout too', () => {
  let dir4x6: string;
  let dir6x4: string;
  const scenes = sceneFiles;

  beforeAll(async () => {
    dir4x6 = join(tmp, 'scenes-4x6');
    dir6x4 = join(tmp, 'scenes-6x4');
    for (const [dir, layout] of [[dir4x6, '4x6'], [dir6x4, '6x4']]) {
      const r = await runCli(['scenes', dir, '--count', '2', '--layout', layout, '--calibration', '4']);
      expect(r.code, r.err).toBe(0);
    }
  });

  for (const workers of [[], ['--workers', '1']]) {
    it(`a 4×6 prior on 6×4 scenes: every file skipped naming prior (nothing ran: exit 2, the report still printed); on 4×6 scenes none ${workers.join(' ')}`, async () => {
      const wrong = await runCli(['eval', ...scenes(dir6x4), '--methods', 'd2pruner', '--keep', '4', '--prior', join(dir4x6, 'prior.safetensors'), '--json', ...workers]);
      expect(wrong.code, wrong.err).toBe(2);
      expect((JSON.parse(wrong.out) as EvalReport).results.map((x) => [x.files, x.skipped])).toEqual([[0, 2]]);
      expect(wrong.err).toMatch(/eval: skipped d2pruner on [^\n]*: \[INVALID_INPUT\] prior: the prior was calibrated on layout 4x6:/);
      const right = await runCli(['eval', ...scenes(dir4x6), '--methods', 'd2pruner', '--keep', '4', '--prior', join(dir4x6, 'prior.safetensors'), '--json', ...workers]);
      expect(right.code, right.err).toBe(0);
      expect((JSON.parse(right.out) as EvalReport).results.map((x) => [x.files, x.skipped])).toEqual([[2, 0]]);
    });
  }
});

describe('--prior must be a vector', () => {
  it('a prior tensor of rank 2 or 3 (24 values) is SHAPE_MISMATCH naming prior, for prune, prune --batch and eval', async () => {
    const data = Float32Array.from({ length: 24 }, (_, i) => 1 + i / 24);
    for (const shape of [[2, 12], [2, 3, 4]]) {
      const file = join(tmp, `prior-${shape.join('x')}.safetensors`);
      writeFileSync(file, writeSafetensors({ prior: { shape, data } }));
      const message = `^d2pruner: error \\[SHAPE_MISMATCH\\] prior: prior must be \\[N\\], got shape \\[${shape.join(', ')}\\][^\\n]*\\n$`;
      const pruned = await runCli(['prune', g4x6, '--keep', '4', '--prior', file]);
      expect(pruned.code).toBe(2);
      expect(pruned.err).toMatch(new RegExp(message));
      const batch = await runCli(['prune', '--batch', '-', '--prior', file, '--workers', '0'], JSON.stringify({ input: g4x6, keep: 4 }) + '\n');
      expect(batch.code).toBe(2);
      expect(batch.err).toMatch(new RegExp(message));
      const evaluated = await runCli(['eval', g4x6, '--methods', 'fastv', '--prior', file]);
      expect(evaluated.code).toBe(2);
      expect(evaluated.err).toMatch(new RegExp(message));
    }
  });

  it('a prior file with no prior tensor is MISSING_TENSOR naming prior, and the message is about the prior file', async () => {
    const pruned = await runCli(['prune', g4x6, '--keep', '4', '--prior', g4x6]);
    expect(pruned.code).toBe(2);
    expect(pruned.err).toBe(`d2pruner: error [MISSING_TENSOR] prior: the prior file ${g4x6} holds no 'prior' tensor (d2pruner calibrate writes one)\n`);
  });
});
