import { describe, expect, it } from 'vitest';
import { topLevelScalar, uniformRng } from '../src/index.js';

describe('topLevelScalar', () => {
  it('finds a top-level string or number member as JSON.parse reads it, and nothing else', () => {
    const cases: [string, string | number | undefined][] = [
      ['{"id":"a"}', 'a'],
      ['  { "id" : 5 , "x": 1 }', 5],
      ['{"id":-1.5e3}', -1500],
      ['{"x":{"id":1},"y":[{"id":2}],"id":3}', 3],
      ['{"x":{"id":1}}', undefined],
      ['{"id":1,"id":"last"}', 'last'],
      ['{"id":1,"id":[2]}', undefined],
      ['{"id":null}', undefined],
      ['{"id":true}', undefined],
      ['{"id":{"a":1}}', undefined],
      ['{"i\\u0064":"escaped key"}', 'escaped key'],
      ['{"a":"x\\"id\\":9","id":"b\\"c"}', 'b"c'],
      ['{"a":"\\\\","id":7}', 7],
      ['[{"id":1}]', undefined],
      ['"id"', undefined],
      ['{"id":"unterminated', undefined],
      ['{"id":01}', undefined],
      ['', undefined],
    ];
    for (const [text, want] of cases) expect(topLevelScalar(text, 'id'), text).toBe(want);
  });

  it('agrees with JSON.parse on 2000 random objects (nested values, repeated and escaped keys, strings holding braces and quotes)', () => {
    const rand = uniformRng(4);
    const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)];
    const scalar = (): string => pick([() => JSON.stringify(String.fromCharCode(...Array.from({ length: 4 }, () => pick([34, 92, 123, 125, 91, 93, 58, 44, 105, 100, 97])))), () => String(Math.round((rand() - 0.5) * 1e6) / 100), () => 'null', () => 'true'])();
    const value = (depth: number): string => {
      if (depth > 2 || rand() < 0.5) return scalar();
      return rand() < 0.5 ? `[${Array.from({ length: Math.floor(rand() * 3) }, () => value(depth + 1)).join(',')}]` : object(depth + 1);
    };
    const object = (depth: number): string => `{${Array.from({ length: Math.floor(rand() * 4) }, () => `${pick(['"id"', '"i\\u0064"', '"x"', '"id "', '"ID"'])}${pick(['', ' '])}:${pick(['', ' '])}${value(depth)}`).join(',')}}`;
    for (let i = 0; i < 2000; i++) {
      const text = object(0);
      const parsed = JSON.parse(text) as { id?: unknown };
      const want = typeof parsed.id === 'string' || typeof parsed.id === 'number' ? parsed.id : undefined;
      expect(topLevelScalar(text, 'id'), text).toBe(want);
    }
  });
});
