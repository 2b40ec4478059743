import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { splitLines } from '../src/lines.js';
import { readLines, readRegularFile as readAsync, readRegularFileSync, type ReadFileOptions } from '../src/node/index.js';

const dir = mkdtempSync(join(tmpdir(), 'd2p-read-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const readers: [string, (path: string, options?: ReadFileOptions) => Promise<Uint8Array>][] = [
  ['readRegularFile', readAsync],
  ['readRegularFileSync', async (path, options) => readRegularFileSync(path, options)],
];

describe.each(readers)('%s: regular files only, size capped, checked before reading', (name, readRegularFile) => {
  it('refuses /dev/zero, a FIFO, a directory and a missing file with INVALID_INPUT naming the field, without blocking or growing', async () => {
    const fifo = join(dir, `fifo-${name}`);
    execFileSync('mkfifo', [fifo]);
    const before = process.memoryUsage().rss;
    await expect(readRegularFile('/dev/zero')).rejects.toMatchObject({ code: 'INVALID_INPUT', field: 'input', message: expect.stringContaining('a device') });
    await expect(readRegularFile(fifo, { field: 'prior' })).rejects.toMatchObject({ code: 'INVALID_INPUT', field: 'prior', message: expect.stringContaining('FIFO') });
    await expect(readRegularFile(dir)).rejects.toMatchObject({ code: 'INVALID_INPUT', field: 'input', message: expect.stringContaining('directory') });
    await expect(readRegularFile(join(dir, 'nope'))).rejects.toMatchObject({ code: 'INVALID_INPUT', field: 'input', message: expect.stringContaining('no such file') });
    expect(process.memoryUsage().rss - before).toBeLessThan(64 * 2 ** 20);
  });
  it('refuses a file over the cap and reads one within it', async () => {
    const f = join(dir, 'ten.bin');
    writeFileSync(f, new Uint8Array(10).fill(7));
    await expect(readRegularFile(f, { maxBytes: 9 })).rejects.toMatchObject({ code: 'INVALID_INPUT', field: 'input', message: expect.stringContaining('10 bytes') });
    expect(Array.from(await readRegularFile(f, { maxBytes: 10 }))).toEqual(new Array(10).fill(7));
    const into = new Uint8Array(10);
    expect(await readRegularFile(f, { allocate: () => into })).toBe(into);
    expect(Array.from(into)).toEqual(new Array(10).fill(7));
  });
});

describe('batch sources and lines', () => {
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
