import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { EvalReport } from '@d2pruner/pipeline';
import { ROOT, runCli, sceneFiles } from './helpers.js';

const REFERENCE = join(ROOT, 'tools/eval-reference/reference.py');
const probe = spawnSync('python3', ['-c', 'import numpy; print(numpy.__version__)'], { encoding: 'utf8' });
const hasNumpy = probe.status === 0;
if (!hasNumpy) console.warn(`[cli] SKIPPING the eval reference check: python3 with numpy is not available (${probe.error?.message ?? probe.stderr.trim()})`);

const RATIOS = [0.1, 0.25];
const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

interface Reference {
  results: { method: string; ratio: number; files: number; referentHit: number; referentShare: number; objectRecall: number }[];
  selections: Record<string, Record<string, Record<string, number[]>>>;
}

/** The project's selections of one method at every ratio, through `d2pruner prune --batch`. */
async function batchSelections(files: string[], method: string, prior: string, n: number): Promise<Record<string, Record<string, number[]>>> {
  const lines = files.flatMap((input) => RATIOS.map((ratio) => JSON.stringify({ id: `${input}|${ratio}`, input, method, keep: Math.max(1, Math.round(ratio * n)) })));
  const r = await runCli(['prune', '--batch', '-', '--prior', prior], lines.join('\n'));
  expect(r.code, r.err).toBe(0);
  const out: Record<string, Record<string, number[]>> = {};
  for (const line of r.out.trim().split('\n')) {
    const { id, keep } = JSON.parse(line) as { id: string; keep: number[] };
    const [file, ratio] = id.split('|');
    (out[file] ??= {})[ratio] = keep;
  }
  return out;
}

describe.skipIf(!hasNumpy)('d2pruner eval against an independent Python/numpy reference', () => {
  it.each([
    ['llava-1.5', 'bottom', 12],
    ['llava-1.5', 'periphery', 8],
    ['internvl-2x3', 'bottom', 3],
  ] as const)('%s scenes, %s bias: metrics equal to 1e-9 for FastV, DivPrune and D2Pruner with a prior', { timeout: 120_000 }, async (layout, bias, count) => {
    const dir = mkdtempSync(join(tmpdir(), 'd2p-evalref-'));
    dirs.push(dir);
    expect((await runCli(['scenes', dir, '--count', String(count), '--layout', layout, '--bias', bias, '--strength', '4', '--seed', '5'])).code).toBe(0);
    const files = sceneFiles(dir);
    const prior = join(dir, 'prior.safetensors');
    const tokens = layout === 'llava-1.5' ? 576 : 7 * 256;
    const r = await runCli(['eval', ...files, '--methods', 'fastv,divprune,d2pruner', '--ratio', RATIOS.join(','), '--prior', prior, '--json']);
    expect(r.code, r.err).toBe(0);
    const report = JSON.parse(r.out) as EvalReport;

    const given = join(dir, 'given.json');
    writeFileSync(given, JSON.stringify({ d2pruner: await batchSelections(files, 'd2pruner', prior, tokens) }));
    const py = spawnSync('python3', [REFERENCE, '--ratios', RATIOS.join(','), '--given', given, ...files], { encoding: 'utf8', maxBuffer: 64 << 20 });
    expect(py.status, py.stderr).toBe(0);
    const ref = JSON.parse(py.stdout) as Reference;

    for (const method of ['fastv', 'divprune']) {
      const ours = await batchSelections(files, method, prior, tokens);
      for (const f of files) for (const ratio of RATIOS) expect(ours[f][String(ratio)], `${method} ${f} ${ratio}`).toEqual(ref.selections[method][f][String(ratio)]);
    }
    expect(report.results).toHaveLength(6);
    for (const row of report.results) {
      const ratio = 'ratio' in row.budget ? row.budget.ratio : NaN;
      const want = ref.results.find((x) => x.method === row.method && x.ratio === ratio);
      expect(want, `${row.method} ${ratio}`).toBeDefined();
      expect(row.files).toBe(want?.files);
      for (const key of ['referentHit', 'referentShare', 'objectRecall'] as const) {
        expect(Math.abs((row[key] as number) - (want?.[key] as number)), `${row.method} ${ratio} ${key}`).toBeLessThanOrEqual(1e-9);
      }
    }
    const at10 = (m: string) => report.results.find((x) => x.method === m && 'ratio' in x.budget && x.budget.ratio === 0.1);
    console.log(`[cli] eval reference (${layout}, ${bias}, ${count} scenes, keep 10%): ` + ['fastv', 'divprune', 'd2pruner'].map((m) => `${m} share ${at10(m)?.referentShare?.toFixed(3)}`).join(', '));
  });
});
