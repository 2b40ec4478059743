import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const SRC = join(dirname(fileURLToPath(import.meta.url)), '../src');

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    return statSync(p).isDirectory() ? sources(p) : p.endsWith('.ts') ? [p] : [];
  });
}

describe('the root entry is browser-safe', () => {
  const rootFiles = sources(SRC).filter((p) => !relative(SRC, p).startsWith('node'));

  it('no module outside src/node imports a Node built-in or touches process / Buffer', () => {
    expect(rootFiles.length).toBeGreaterThan(10);
    const offenders = rootFiles.filter((p) => {
      const text = readFileSync(p, 'utf8');
      return /from ['"](node:|fs|path|os|stream|readline)['"/]/.test(text) || /\bprocess\.|\bBuffer\./.test(text);
    });
    expect(offenders.map((p) => relative(SRC, p))).toEqual([]);
  });

  it('nothing outside src/node imports src/node', () => {
    const offenders = rootFiles.filter((p) => /from ['"][./]*node\//.test(readFileSync(p, 'utf8')));
    expect(offenders).toEqual([]);
  });

  it('the Node helpers do import Node built-ins (the check above can see them)', () => {
    const text = readFileSync(join(SRC, 'node/index.ts'), 'utf8');
    expect(/from ['"]node:/.test(text)).toBe(true);
  });
});
