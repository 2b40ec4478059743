import { copyFileSync, linkSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { gridLayout, layoutToJson, writeSafetensors } from '@d2pruner/core';
import { runCli } from './helpers.js';

const tmp = mkdtempSync(join(tmpdir(), 'd2pruner-output-input-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** A 4×6 token file with attention and features: something every command can read. */
function tokenFile(name: string): string {
  const n = 24;
  const path = join(tmp, name);
  writeFileSync(
    path,
    writeSafetensors(
      {
        attention: { shape: [n], data: Float32Array.from({ length: n }, (_, i) => (i + 1) / n) },
        features: { shape: [n, 4], data: Float32Array.from({ length: 4 * n }, (_, i) => Math.sin(i)) },
      },
      { 'd2pruner.layout': JSON.stringify(layoutToJson(gridLayout(4, 6))) },
    ),
  );
  return path;
}

/** Runs the CLI and checks it refused `path` as `--field` before writing: exit 2, one line naming the flag, nothing on stdout, `path` unchanged. */
async function refused(argv: string[], field: string, path: string, input = path): Promise<void> {
  const before = readFileSync(path);
  const r = await runCli(argv);
  const what = argv.join(' ');
  expect(r.code, what).toBe(2);
  expect(r.err, what).toMatch(new RegExp(`^d2pruner: error \\[INVALID_ARGUMENT\\] ${field}: cannot write --${field} '[^']*': it is the input file '${input.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}'[^\\n]*\\n$`));
  expect(r.out, what).toBe('');
  expect(readFileSync(path).equals(before), `${what}: the input is unchanged`).toBe(true);
}

describe('an output path that is one of the inputs is refused before any work', () => {
  it('render, prune, calibrate --out and eval --report onto the token file exit 2 naming the flag; the file is untouched', async () => {
    const f = tokenFile('same.safetensors');
    await refused(['render', f, '--keep', '8', '--out', f], 'out', f);
    await refused(['prune', f, '--keep', '8', '--out', f], 'out', f);
    await refused(['calibrate', f, '--out', f, '--workers', '0'], 'out', f);
    await refused(['eval', f, '--methods', 'fastv', '--report', f], 'report', f);
  });

  it('calibrate and prune check every input, and --prior and render --image count as inputs', async () => {
    const a = tokenFile('a.safetensors');
    const b = tokenFile('b.safetensors');
    await refused(['calibrate', a, b, '--out', b, '--workers', '0'], 'out', b);
    const prior = join(tmp, 'prior.safetensors');
    writeFileSync(prior, writeSafetensors({ prior: { shape: [24], data: new Float32Array(24).fill(1 / 24) } }));
    await refused(['prune', a, '--keep', '8', '--prior', prior, '--out', prior], 'out', prior);
    await refused(['eval', a, '--methods', 'fastv', '--prior', prior, '--report', prior], 'report', prior);
    const image = join(tmp, 'photo.png');
    writeFileSync(image, 'not really a PNG: the output check comes first');
    await refused(['render', a, '--keep', '8', '--out', image, '--image', image, '--model', 'llava-1.5-7b'], 'out', image);
  });

  it('the same file under another name is caught: a relative path, a detour through .., a symlink, a hard link', async () => {
    const f = tokenFile('named.safetensors');
    mkdirSync(join(tmp, 'sub'));
    const sym = join(tmp, 'link.safetensors');
    symlinkSync(f, sym);
    const hard = join(tmp, 'hard.safetensors');
    linkSync(f, hard);
    await refused(['prune', f, '--keep', '8', '--out', relative(process.cwd(), f)], 'out', f);
    await refused(['prune', f, '--keep', '8', '--out', join(tmp, 'sub', '..', 'named.safetensors')], 'out', f);
    await refused(['prune', f, '--keep', '8', '--out', sym], 'out', f);
    await refused(['prune', f, '--keep', '8', '--out', hard], 'out', f);
    await refused(['prune', sym, '--keep', '8', '--out', f], 'out', f, sym);
  });

  it('a copy of the input is a different file: written as before', async () => {
    const f = tokenFile('orig.safetensors');
    const copy = join(tmp, 'copy.safetensors');
    copyFileSync(f, copy);
    const r = await runCli(['prune', f, '--method', 'fastv', '--keep', '8', '--out', copy]);
    expect(r.code, r.err).toBe(0);
    expect(readFileSync(copy).equals(readFileSync(f))).toBe(false);
  });
});
