import { describe, expect, it } from 'vitest';
import { splitLines } from '../src/index.js';

async function collect(it: AsyncIterable<string>): Promise<string[]> {
  const out: string[] = [];
  for await (const l of it) out.push(l);
  return out;
}

describe('splitLines', () => {
  it('splits on LF and CRLF across chunk borders and keeps a last line without newline', async () => {
    expect(await collect(splitLines(['a\r', '\nbb\n', '\ncc', 'c\r\nd']))).toEqual(['a', 'bb', '', 'ccc', 'd']);
  });

  it('refuses a line over the limit however it arrives: whole in one chunk, split across chunks, or last without a newline', async () => {
    const err = { code: 'INVALID_INPUT', field: 'batch', message: 'line 2 is longer than 4 characters' };
    const lines: string[] = [];
    const whole = (async () => {
      for await (const l of splitLines(['ok\nabcdef\nz\n'], 4)) lines.push(l);
    })();
    await expect(whole).rejects.toMatchObject(err);
    expect(lines).toEqual(['ok']);
    await expect(collect(splitLines(['ok\nabc', 'def\n'], 4))).rejects.toMatchObject(err);
    await expect(collect(splitLines(['ok\nabcdef'], 4))).rejects.toMatchObject(err);
    expect(await collect(splitLines(['ok\nabcd\r\nefgh'], 4))).toEqual(['ok', 'abcd', 'efgh']);
  });

  it('decodes UTF-8 sequences split between chunks', async () => {
    const bytes = new TextEncoder().encode('é→x\n✓\n');
    const chunks = Array.from(bytes, (b) => new Uint8Array([b]));
    expect(await collect(splitLines(chunks))).toEqual(['é→x', '✓']);
  });

  it('yields nothing for empty input and no trailing empty line after a final newline', async () => {
    expect(await collect(splitLines([]))).toEqual([]);
    expect(await collect(splitLines(['x\n']))).toEqual(['x']);
  });

  it('pulls the next chunk only when the current lines are used up', async () => {
    let pulled = 0;
    async function* chunks() {
      for (let k = 0; k < 100; k++) {
        pulled++;
        yield `${k}a\n${k}b\n`;
      }
    }
    const it = splitLines(chunks());
    await it.next();
    await it.next();
    expect(pulled).toBe(1);
    await it.next();
    expect(pulled).toBe(2);
    await it.return(undefined);
  });
});
