import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readSafetensors, writeSafetensors } from '@d2pruner/core';
import { runCli } from './helpers.js';

// docs/formats.md §2 and §1.5: `prune FILE --model llava-next-7b --image WxH` on a file whose N
// counts the structural row newlines prunes among the candidate rows; every index it reports, and
// the rows `--out` writes, are the file's rows.

const tmp = mkdtempSync(join(tmpdir(), 'd2pruner-file-rows-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** 2340 tokens (LLaVA-NeXT, 640×480, newlines included); feature row i holds the value i, so a written row names its source. */
function nextFile(): string {
  const n = 2340;
  const d = 4;
  const features = Float32Array.from({ length: n * d }, (_, j) => Math.floor(j / d));
  const attention = Float32Array.from({ length: n }, (_, i) => ((i * 7919) % 1000) / 1000 + 0.001);
  const f = join(tmp, 'next.safetensors');
  writeFileSync(f, writeSafetensors({ features: { shape: [n, d], data: features }, attention: { shape: [n], data: attention } }));
  return f;
}

const FILE = nextFile();
const ARGS = ['--model', 'llava-next-7b', '--image', '640x480', '--keep', '8', '--json'];

describe('prune FILE --model ID --image WxH with structural tokens: indices in the file rows', () => {
  it("d2pruner's pivots and picks are among keep, all in the file's rows", async () => {
    const r = await runCli(['prune', FILE, ...ARGS]);
    expect(r.code).toBe(0);
    const s = JSON.parse(r.out) as { keep: number[]; pivots: number[]; picks: number[] };
    const keep = new Set(s.keep);
    expect(s.pivots.length).toBeGreaterThan(0);
    for (const k of [...s.pivots, ...s.picks]) expect(keep.has(k)).toBe(true);
  });

  it('--out writes the kept rows of the file and their file indices', async () => {
    const out = join(tmp, 'kept.safetensors');
    const r = await runCli(['prune', FILE, ...ARGS, '--method', 'fastv', '--out', out]);
    expect(r.err).not.toMatch(/error/);
    expect(r.code).toBe(0);
    const keep = (JSON.parse(r.out) as { keep: number[] }).keep;
    const file = readSafetensors(new Uint8Array(readFileSync(out)));
    expect(Array.from(file.get('keep')!.data)).toEqual(keep);
    expect(JSON.parse(file.metadata['d2pruner.keep'])).toEqual(keep);
    const rows = file.get('features')!.data;
    expect(Array.from({ length: keep.length }, (_, k) => rows[4 * k])).toEqual(keep);
  });
});
