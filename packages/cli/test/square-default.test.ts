import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { writeSafetensors } from '@d2pruner/core';
import { runCli } from './helpers.js';

const tmp = mkdtempSync(join(tmpdir(), 'd2pruner-square-default-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('a token file without a layout (docs/formats.md §1.3)', () => {
  it('gets the square default layout in prune FILE as in prune --batch: uniform keeps the same tokens both ways', async () => {
    const n = 36;
    const file = join(tmp, 'square.safetensors');
    writeFileSync(
      file,
      writeSafetensors({
        attention: { shape: [n], data: Float32Array.from({ length: n }, (_, i) => 1 + (i % 5)) },
        features: { shape: [n, 3], data: Float32Array.from({ length: 3 * n }, (_, i) => Math.cos(i)) },
      }),
    );
    const single = await runCli(['prune', file, '--method', 'uniform', '--keep', '9', '--json']);
    expect(single.code).toBe(0);
    const batch = await runCli(['prune', '--batch', '-', '--workers', '0'], JSON.stringify({ input: file, method: 'uniform', keep: 9 }) + '\n');
    expect(batch.code).toBe(0);
    const keepOf = (text: string) => (JSON.parse(text.trim()) as { keep: number[] }).keep;
    // 6×6 frame, 9 points → 3 rows of 3: rows and columns 1, 3, 5
    expect(keepOf(single.out)).toEqual([7, 9, 11, 19, 21, 23, 31, 33, 35]);
    expect(keepOf(batch.out)).toEqual(keepOf(single.out));
  });
});
