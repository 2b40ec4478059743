import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from './helpers.js';

describe('scenes OUT_DIR that cannot be made', () => {
  it.each([
    ['a file', (f: string) => f],
    ['a folder under a file', (f: string) => join(f, 'sub')],
    ['a folder in /proc', () => '/proc/d2pruner-no-such-dir'],
  ])('%s: exit 2 naming OUT_DIR, one line, no work', { timeout: 10_000 }, async (_what, pick) => {
    const dir = await mkdtemp(join(tmpdir(), 'd2p-scenes-'));
    const file = join(dir, 'file.txt');
    await writeFile(file, 'x');
    const r = await runCli(['scenes', pick(file), '--count', '1', '--calibration', '1']);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/^d2pruner: error \[INVALID_ARGUMENT\] OUT_DIR: cannot write the folder '.*': .+\n$/);
  });
});
