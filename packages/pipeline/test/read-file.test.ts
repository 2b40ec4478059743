import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { splitLines } from '../src/lines.js';
import { readLines, readRegularFile } from '../src/node/index.js';

const dir = mkdtempSync(join(tmpdir(), 'd2p-read-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('readRegularFile: regular files only, size capped, checked before reading', () => {
  it('refuses /dev/zero, a FIFO and a directory with INVALID_INPUT naming the field, without blocking or growing', async () => {
    const fifo = join(dir, 'fifo');
    execFileSync('mkfifo', [fifo]);
    const before = process.memoryUsage().rss;
    await expect(readRegularFile('/dev/zero')).rejects.toMatchObject({ code: 'INVALID_INPUT', field: 'input', message: expect.stringContaining('a device') });
    await expect(readRegularFile(fifo, { field: 'prior' })).rejects.toMatchObject({ code: 'INVALID_INPUT', field: 'prior', message: expect.stringContaining('FIFO') });
    await expect(readRegularFile(dir)).rejects.toMatchObject({ code: 'INVALID_INPUT', field: 'input', message: expect.stringContaining('directory') });
    expect(process.memoryUsage().rss - before).toBeLessThan(64 * 2 ** 20);
  });
  it('refuses a file over the cap and reads one within it', async () => {
    const f = join(dir, 'ten.bin');
    writeFileSync(f, new Uint8Array(10).fill(7));
    await expect(readRegularFile(f, { maxBytes: 9 })).rejects.toMatchObject({ code: 'INVALID_INPUT', field: 'input', message: expect.stringContaining('10 bytes') });
    expect(Array.from(await readRegularFile(f, { maxBytes: 10 }))).toEqual(new Array(10).fill(7));
  });
  it('a batch source must be a regular file (field batch)', async () => {
    const drain = async (src: string) => {
      for await (const _ of readLines(src)) void _;
    };
    await expect(drain('/dev/zero')).rejects.toMatchObject({ code: 'INVALID_INPUT', field: 'batch' });
    await expect(drain(dir)).rejects.toMatchObject({ code: 'INVALID_INPUT', field: 'batch' });
  });
});

describe('splitLines bounds a line', () => {
  it('a line longer than the limit is INVALID_INPUT naming the line, not an ever-growing buffer', async () => {
    const chunks = function* () {
      yield 'ok\n';
      for (let i = 0; i < 100; i++) yield 'x'.repeat(1000);
    };
    const got: string[] = [];
    await expect(
      (async () => {
        for await (const l of splitLines(chunks(), 5000)) got.push(l);
      })(),
    ).rejects.toMatchObject({ code: 'INVALID_INPUT', field: 'batch', message: expect.stringContaining('line 2') });
    expect(got).toEqual(['ok']);
  });
});
