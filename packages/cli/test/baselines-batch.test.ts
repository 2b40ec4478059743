import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { baselineDiffs, type VectorCase } from '../../methods/test/vectors.js';
import { ROOT, runCli } from './helpers.js';

const VEC = join(ROOT, 'fixtures/vectors/baselines');

describe('every baseline vector through d2pruner prune --batch', () => {
  it('reproduces all 1525 cases (keep and the diagnostic fields) on 2 worker threads, one result line per request in order', async () => {
    const cases = JSON.parse(readFileSync(join(VEC, 'baseline-cases-7.json'), 'utf8')) as VectorCase[];
    expect(cases).toHaveLength(1525);
    const dir = mkdtempSync(join(tmpdir(), 'd2pruner-bl-'));
    const jsonl = join(dir, 'baselines.jsonl');
    writeFileSync(jsonl, cases.map((c) => JSON.stringify({ input: join(VEC, c.input), method: c.method, keep: c.keep, params: c.params })).join('\n') + '\n');
    const { code, out } = await runCli(['prune', '--batch', jsonl, '--workers', '2']);
    expect(code).toBe(0);
    const lines = out.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines).toHaveLength(cases.length);
    const failures: string[] = [];
    lines.forEach((r, i) => {
      const c = cases[i];
      if (r.error) failures.push(`${i} ${c.method}: ${JSON.stringify(r.error)}`);
      else for (const d of baselineDiffs(c.expected, r)) failures.push(`${i} ${c.method} ${c.input} n=${c.keep}: ${d}`);
    });
    expect(failures.slice(0, 10)).toEqual([]);
  }, 600_000);
});
