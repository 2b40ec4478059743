import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { writeSafetensors } from '@d2pruner/core';
import { runCli } from './helpers.js';

const tmp = mkdtempSync(join(tmpdir(), 'd2pruner-argument-checks-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** A token file of 4 tokens and no layout. */
const FOUR = join(tmp, 'four.safetensors');
writeFileSync(FOUR, writeSafetensors({ features: { shape: [4, 2], data: Float32Array.from([1, 0, 0, 1, 1, 1, 0, 0]) }, attention: { shape: [4], data: Float32Array.from([0.1, 0.2, 0.3, 0.4]) } }));

describe('flags that contradict each other or the input', () => {
  it('prune --help gives --ratio the range it accepts, [0, 1] (0 keeps nothing)', async () => {
    const help = (await runCli(['prune', '--help'])).out;
    expect(help).toContain('fraction of the tokens to keep, in [0, 1]');
    expect(help).not.toContain('(0, 1]');
    const zero = await runCli(['prune', FOUR, '--ratio', '0', '--json']);
    expect(zero.code, zero.err).toBe(0);
    expect(JSON.parse(zero.out)).toMatchObject({ budget: 0, keep: [] });
  });

  it('flops refuses --visual together with --image (they are alternatives) naming image', async () => {
    const r = await runCli(['flops', '--model', 'llava-1.5-7b', '--keep', '64', '--visual', '100', '--image', '640x480']);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/^d2pruner: error \[INVALID_ARGUMENT\] image: [^\n]*--visual[^\n]*\n$/);
    expect(r.out).toBe('');
  });

  it('--grid whose cell count is not the file’s token count names grid, with both numbers', async () => {
    for (const command of ['prune', 'render']) {
      const r = await runCli([command, FOUR, '--grid', '3x3', '--keep', '1', '--out', join(tmp, `o-${command}`)]);
      expect(r.code, command).toBe(2);
      expect(r.err, command).toBe(`d2pruner: error [INVALID_ARGUMENT] grid: --grid 3x3 has 9 cells but ${FOUR} has 4 visual tokens\n`);
    }
    const ok = await runCli(['prune', FOUR, '--grid', '2x2', '--keep', '1', '--json']);
    expect(ok.code, ok.err).toBe(0);
  });
});
