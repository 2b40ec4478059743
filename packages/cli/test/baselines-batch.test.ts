import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { baselineDiffs, type VectorCase } from '../../methods/test/vectors.js';
import { Readable } from 'node:stream';
import { main, type CliIo } from '../src/index.js';
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

describe('VisionZip lines through d2pruner prune --batch', () => {
  it('go out as bytes where the output takes bytes, the same lines as written as text, on the main thread and on workers', async () => {
    const cases = (JSON.parse(readFileSync(join(VEC, 'baseline-cases-7.json'), 'utf8')) as VectorCase[]).filter((c) => c.method === 'visionzip').slice(0, 40);
    expect(cases.length).toBe(40);
    const stdin = cases.map((c) => JSON.stringify({ input: join(VEC, c.input), method: c.method, keep: c.keep, params: c.params })).join('\n') + '\n';
    const withoutTimings = (out: string) => out.trim().split('\n').map((l) => ({ ...(JSON.parse(l) as object), timings: null }));
    const text = await runCli(['prune', '--batch', '-', '--workers', '0'], stdin, { textOnly: true });
    const expected = withoutTimings(text.out);
    expect(expected.filter((r) => 'merged' in r && Array.isArray(r.merged) && r.merged.length > 0).length).toBeGreaterThan(6);
    for (const workers of ['0', '2']) {
      let out = '';
      let byteLines = 0;
      const io: CliIo = {
        out: (t) => void (out += t),
        outBytes: (b) => void ((out += new TextDecoder().decode(b)), byteLines++),
        err: () => undefined,
        readFile: async (p) => new Uint8Array(readFileSync(p)),
        writeFile: async () => undefined,
        stdin: () => Readable.from([stdin]),
        isTTY: false,
      };
      expect(await main(['prune', '--batch', '-', '--workers', workers], io)).toBe(0);
      expect(byteLines).toBe(expected.filter((r) => 'merged' in r && Array.isArray(r.merged) && r.merged.length > 0).length);
      expect(withoutTimings(out)).toEqual(expected);
    }
  }, 120_000);
});

