import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT, runCli } from './helpers.js';

// `prune --batch` with its lines handed to the workers in groups, against `--workers 0`.

const D2 = join(ROOT, 'fixtures/vectors/d2pruner');
const cases = JSON.parse(readFileSync(join(D2, 'cases-7.json'), 'utf8')) as { input: string; keep: number; params: Record<string, unknown> }[];

/** Request lines of the first D2Pruner vectors, with absolute paths (stdin resolves against the cwd). */
function requestLines(count: number): string[] {
  return cases.slice(0, count).map((c, k) => JSON.stringify({ id: k, input: join(D2, c.input), keep: c.keep, params: c.params }));
}

describe('prune --batch - --workers N: a batch whose input fails midway', () => {
  it('writes the result of every line read before the failure and ends the progress line, as --workers 0 does', async () => {
    // one chunk: seven lines, then a line longer than 16 Mi characters that never ends
    const stdin = requestLines(7).join('\n') + '\n' + 'x'.repeat(16 * 2 ** 20 + 1);
    const results = [];
    for (const workers of ['0', '1']) {
      const r = await runCli(['prune', '--batch', '-', '--workers', workers], stdin, { isTTY: true });
      const lines = r.out.trim().split('\n').map((l) => JSON.parse(l) as { line: number; error?: unknown });
      results.push({ code: r.code, lines: lines.map((l) => [l.line, l.error ?? 'ok']), err: r.err });
    }
    const [main, grouped] = results;
    expect(main.lines).toEqual([1, 2, 3, 4, 5, 6, 7].map((k) => [k, 'ok']));
    expect(grouped.lines).toEqual(main.lines);
    expect(grouped.code).toBe(main.code);
    // the final progress event ends the bar's line before the error message
    expect(grouped.err).toMatch(/7 done, 0 failed[^\n]*\nd2pruner: error \[INVALID_INPUT\] batch: line 8 is longer than/);
    expect(main.err).toMatch(/7 done, 0 failed[^\n]*\nd2pruner: error \[INVALID_INPUT\] batch: line 8 is longer than/);
  });
});
