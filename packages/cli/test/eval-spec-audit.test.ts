import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeSafetensors } from '@d2pruner/core';
import type { EvalReport, EvalResult } from '@d2pruner/pipeline';
import { runCli, resultsWithoutTimings } from './helpers.js';

// Tiny labelled files built here, the metrics of docs/eval.md §2 worked out by hand. Attention
// decreases with the index, so FastV keeps tokens 0…n−1.

let dir: string;
const path = (name: string) => join(dir, `${name}.safetensors`);

function write(name: string, object: number[] | null, metadata: Record<string, string> = {}, extra: Record<string, Float32Array> = {}): void {
  const n = object?.length ?? 16;
  const tensors: Parameters<typeof writeSafetensors>[0] = {
    attention: { shape: [n], data: Float32Array.from({ length: n }, (_, i) => (n - i) / 1000) },
    features: { shape: [n, 4], data: Float32Array.from({ length: 4 * n }, (_, j) => Math.sin(1.3 * j) + (j % 5 === 0 ? 1 : 0)) },
  };
  if (object) tensors.object = { shape: [n], data: Float32Array.from(object) };
  for (const [key, data] of Object.entries(extra)) tensors[key] = { shape: [n], data };
  writeFileSync(path(name), writeSafetensors(tensors, metadata, object ? { object: 'I32' } : {}));
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'd2p-eval-spec-'));
  // A: 4×4; object 7 on {0, 1}, the referent 3 on {5, 6, 9, 10}, object 2 on {15}
  write('A', [7, 7, -1, -1, -1, 3, 3, -1, -1, 3, 3, -1, -1, -1, -1, 2], { 'd2pruner.referent': '3' });
  // B: 4×4 background, no referent (object recall only, and O is empty)
  write('B', Array<number>(16).fill(-1));
  // D: no object tensor (skipped for every method)
  write('D', null);
  // E: 45 tokens on a 5×9 grid; object 1 on {0}, the referent 4 on 30–44 (15 tokens)
  const layout = { frames: [{ rows: 5, cols: 9 }], frame: Array<number>(45).fill(0), row: Array.from({ length: 45 }, (_, i) => Math.floor(i / 9)), col: Array.from({ length: 45 }, (_, i) => i % 9) };
  write('E', Array.from({ length: 45 }, (_, i) => (i === 0 ? 1 : i >= 30 ? 4 : -1)), { 'd2pruner.referent': '4', 'd2pruner.layout': JSON.stringify(layout) });
  // F: two frames, a 2×2 thumbnail and a 2×4 tile (12 tokens); the referent 5 on {0, 4, 5, 8, 9}, object 6 on {6, 7, 10, 11}
  const tiled = { frames: [{ rows: 2, cols: 2 }, { rows: 2, cols: 4 }], frame: [0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1], row: [0, 0, 1, 1, 0, 0, 0, 0, 1, 1, 1, 1], col: [0, 1, 0, 1, 0, 1, 2, 3, 0, 1, 2, 3] };
  write('F', [5, -1, -1, -1, 5, 5, 6, 6, 5, 5, 6, 6], { 'd2pruner.referent': '5', 'd2pruner.layout': JSON.stringify(tiled) });
  // V: 4×4 with clsAttention, for VisPruner
  write('V', [1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, 2], { 'd2pruner.referent': '2' }, { clsAttention: Float32Array.from({ length: 16 }, (_, i) => (16 - i) / 100) });
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const strip = (r: EvalReport) => ({ ...r, results: resultsWithoutTimings(r) });
const skipLines = (err: string) => err.split('\n').filter((l) => l.startsWith('eval: skipped'));

function expectRow(row: EvalResult | undefined, want: Partial<Record<keyof EvalResult, unknown>>): void {
  expect(row).toBeDefined();
  for (const [key, value] of Object.entries(want)) {
    const got = row?.[key as keyof EvalResult];
    if (typeof value === 'number') expect(Math.abs((got as number) - value), key).toBeLessThanOrEqual(1e-12);
    else expect(got, key).toEqual(value);
  }
}

describe('d2pruner eval: the metrics of docs/eval.md §2 on hand-built files', () => {
  it('ratio 0.7 keeps round(0.7·45) = round(31.5) = 32 of E, and keep 40 keeps min(40, N); means over the files that ran', { timeout: 60_000 }, async () => {
    const args = ['eval', path('A'), path('B'), path('D'), path('E'), path('F'), '--methods', 'fastv', '--json'];
    const ratio = await runCli([...args, '--ratio', '0.7']);
    expect(ratio.code, ratio.err).toBe(0);
    const r = JSON.parse(ratio.out) as EvalReport;
    expect(r.files).toBe(5);
    // A: n = 11, K = 0–10: hit 1, share 4/min(4, 11) = 1, recall 2/3 · B: n = 11, recall 1 (no objects)
    // E: n = 32, K = 0–31: hit 1, share 2/15, recall 1 · F: n = round(8.4) = 8, K = 0–7: hit 1, share 3/5, recall 1
    expectRow(r.results[0], {
      files: 4,
      skipped: 1,
      referentFiles: 3,
      referentHit: 1,
      referentShare: (1 + 2 / 15 + 3 / 5) / 3,
      objectRecall: (2 / 3 + 1 + 1 + 1) / 4,
      kept: (11 + 11 + 32 + 8) / 4,
      keptRatio: (11 / 16 + 11 / 16 + 32 / 45 + 8 / 12) / 4,
    });
    expect(r.results[0].skipReasons).toEqual([{ reason: expect.stringMatching(/^\[MISSING_TENSOR\] object: /) as string, files: 1 }]);

    const keep = JSON.parse((await runCli([...args, '--keep', '1,40'])).out) as EvalReport;
    // keep 1: K = {0} everywhere: A hit 0, recall 1/3; B 1; E hit 0, recall 1/2; F hit 1, share 1/min(5, 1) = 1, recall 1/2
    expectRow(keep.results[0], { budget: { keep: 1 }, files: 4, referentHit: 1 / 3, referentShare: 1 / 3, objectRecall: (1 / 3 + 1 + 1 / 2 + 1 / 2) / 4, kept: 1 });
    // keep 40: A and F keep all (N < 40); E keeps 0–39: share 10/min(15, 40) = 2/3
    expectRow(keep.results[1], { budget: { keep: 40 }, files: 4, referentHit: 1, referentShare: (1 + 2 / 3 + 1) / 3, objectRecall: 1, kept: (16 + 16 + 40 + 12) / 4, keptRatio: (1 + 1 + 40 / 45 + 1) / 4 });
  });

  it('--workers 2 prints the same JSON (timings aside) and the same skip lines as the calling thread', { timeout: 60_000 }, async () => {
    const args = ['eval', path('A'), path('B'), path('D'), path('E'), path('F'), path('V'), join(dir, 'missing.safetensors'), '--methods', 'fastv,divprune,vispruner,uniform', '--ratio', '0.7,0.25,1', '--param', 'vispruner.important-ratio=1', '--json'];
    const here = await runCli(args);
    const there = await runCli([...args, '--workers', '2']);
    expect([here.code, there.code], there.err).toEqual([0, 0]);
    expect(strip(JSON.parse(there.out) as EvalReport)).toEqual(strip(JSON.parse(here.out) as EvalReport));
    expect(skipLines(there.err)).toEqual(skipLines(here.err));
    expect((JSON.parse(here.out) as EvalReport).results.find((x) => x.method === 'fastv')?.kept).toBeCloseTo((11 + 11 + 32 + 8 + 11) / 5, 12);
  });

  it('a selection the metrics refuse (|K| ≠ min(n, N)) is skipped with its reason on stderr too, once per file and method', { timeout: 60_000 }, async () => {
    // VisPruner with importantRatio 1 (exactBudget false) keeps all 16 tokens at keep 4
    const r = await runCli(['eval', path('V'), path('A'), '--methods', 'vispruner,fastv', '--keep', '4', '--param', 'vispruner.important-ratio=1']);
    expect(r.code, r.err).toBe(0);
    expect(r.out).toMatch(/\nvispruner\s+keep 4\s+0\s+2\s/);
    expect(skipLines(r.err)).toEqual([
      expect.stringMatching(/^eval: skipped vispruner on .*V\.safetensors: \[INVALID_INPUT\] keep: the selection kept 16 tokens; budget 4 of 16 asks for 4$/) as string,
      expect.stringMatching(/^eval: skipped vispruner on .*A\.safetensors: \[MISSING_TENSOR\] clsAttention: /) as string,
    ]);
  });
});
