import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT, runCli } from './helpers.js';

/*
 * Every D2Pruner vector through `d2pruner prune --batch --backend webgpu` and `--backend gpujs`
 * (the dense graph built by the GPU kernels). A backend that cannot start here is a logged skip.
 */
const VEC = join(ROOT, 'fixtures/vectors/d2pruner');

interface Case {
  input: string;
  keep: number;
  params: Record<string, unknown>;
  expected: { keep: number[]; pivots: number[]; picks: number[]; rounds: number };
}

const cases = JSON.parse(readFileSync(join(VEC, 'cases-7.json'), 'utf8')) as Case[];
const dir = mkdtempSync(join(tmpdir(), 'd2pruner-gpu-'));
const jsonl = join(dir, 'vectors.jsonl');
writeFileSync(jsonl, cases.map((c) => JSON.stringify({ input: join(VEC, c.input), keep: c.keep, params: c.params })).join('\n') + '\n');

async function probe(backend: string): Promise<string | undefined> {
  const r = await runCli(['prune', join(VEC, 'grid6-7.safetensors'), '--keep', '8', '--backend', backend, '--json']);
  if (r.code !== 0) return r.err.trim();
  return undefined;
}

describe.each(['webgpu', 'gpujs'])('--backend %s', (backend) => {
  it('reproduces every D2Pruner vector exactly, and says which backend ran', async () => {
    const unavailable = await probe(backend);
    if (unavailable) {
      console.warn(`SKIP ${backend}: ${unavailable}`);
      return;
    }
    const { code, out, err } = await runCli(['prune', '--batch', jsonl, '--backend', backend, '--concurrency', '1']);
    console.log(err.split('\n').filter((l) => l.includes(`backend ${backend}:`))[0] ?? `${backend}: no adapter line`);
    expect(code).toBe(0);
    const lines = out.trim().split('\n').map((l) => JSON.parse(l));
    expect(lines).toHaveLength(cases.length);
    const wrong: number[] = [];
    lines.forEach((r, i) => {
      const e = cases[i].expected;
      if (JSON.stringify([r.keep, r.pivots, r.picks, r.rounds]) !== JSON.stringify([e.keep, e.pivots, e.picks, e.rounds])) wrong.push(i);
    });
    expect(wrong).toEqual([]);
    // trivial budgets never reach a kernel, and a graph that can only have spatial edges
    // (alpha ≤ theta: alpha·cos alone never exceeds theta) is built on the CPU and says so; every
    // other case ran its semantic edge block on the named backend
    const expected = lines.map((r, i) => {
      const { alpha = 1, theta = 0.8 } = cases[i].params as { alpha?: number; theta?: number };
      return cases[i].keep > 0 && cases[i].keep < r.n && alpha > theta ? backend : 'cpu';
    });
    expect(lines.map((r) => r.backend)).toEqual(expected);
    expect(expected.filter((b) => b === backend).length).toBeGreaterThan(cases.length / 4);
  }, 900_000);
});
