import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { listMethods } from '@d2pruner/methods';
import { ROOT, runCli } from './helpers.js';

const SAMPLES = ['llava-sample', 'internvl-sample'].map((s) => join(ROOT, 'fixtures/samples', `${s}.safetensors`));

describe('the bundled samples', () => {
  it('are what tools/scripts/generate-samples.mjs writes', () => {
    const r = spawnSync(process.execPath, [join(ROOT, 'tools/scripts/generate-samples.mjs'), '--check'], { encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
  });

  it.each(listMethods().map((m) => m.name))('%s runs on every sample (every tensor it reads is there)', async (method) => {
    for (const file of SAMPLES) {
      const r = await runCli(['prune', file, '--method', method, '--keep', '64', '--json']);
      expect(r.err, `${method} on ${file}`).toBe('');
      expect(r.code).toBe(0);
      expect(JSON.parse(r.out).keep).toHaveLength(64);
    }
  });

  it('D2Pruner on the LLaVA sample gives the llava-7 test vector (the synthetic tensors change nothing it reads)', async () => {
    const cases = JSON.parse(readFileSync(join(ROOT, 'fixtures/vectors/d2pruner/cases-7.json'), 'utf8')) as { input: string; keep: number; params: object; expected: { keep: number[]; pivots: number[]; picks: number[] } }[];
    const spec = cases.find((c) => c.input === 'llava-7.safetensors' && c.keep === 64 && Object.keys(c.params).length === 0)!.expected;
    const s = JSON.parse((await runCli(['prune', SAMPLES[0], '--keep', '64', '--json'])).out) as typeof spec;
    expect([s.keep, s.pivots, s.picks]).toEqual([spec.keep, spec.pivots, spec.picks]);
  });
});
