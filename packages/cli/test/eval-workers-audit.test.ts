import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { layoutToJson, writeSafetensors } from '@d2pruner/core';
import { makeScene, type EvalReport } from '@d2pruner/pipeline';
import { runCli, useScenes, resultsWithoutTimings } from './helpers.js';

// `eval --workers W` must report what `eval` reports on the calling thread (timings aside)

let dir: string;
let files: string[];
useScenes('d2p-eval-workers-audit-', ['--count', '3', '--layout', '8x8', '--bias', 'bottom', '--strength', '4', '--seed', '3', '--calibration', '8'], (d, f) => ((dir = d), (files = f)));

/** The report without its timings. */
const strip = resultsWithoutTimings;

/** The skip lines of stderr (an in-process run may also log a GPU backend an earlier test loaded). */
const skips = (err: string) => err.split('\n').filter((l) => l.startsWith('eval: skipped'));

/** `args` on the calling thread and with `--workers 2`: exit codes, reports without timings, stderr. */
async function both(args: string[]) {
  const here = await runCli(args);
  const there = await runCli([...args, '--workers', '2']);
  expect([here.code, there.code], there.err).toEqual([0, 0]);
  return { here, there, reports: [strip(JSON.parse(here.out) as EvalReport), strip(JSON.parse(there.out) as EvalReport)] };
}

describe('d2pruner eval --workers: the same report as on the calling thread', () => {
  it('every built-in, keep budgets beyond N, params, a prior, an unreadable and an unlabelled file: the JSON, the skip lines, the --report HTML apart from timings', { timeout: 60_000 }, async () => {
    const args = ['eval', ...files, join(dir, 'missing.safetensors'), join(dir, 'prior.safetensors'), '--methods', 'd2pruner,fastv,dart,divprune,vispruner,visionzip,cdpruner,uniform,random', '--keep', '3,1000', '--prior', join(dir, 'prior.safetensors'), '--param', 'd2pruner.alpha=0.4', '--param', 'random.seed=3', '--json'];
    const here = await runCli([...args, '--report', join(dir, 'here.html')]);
    const there = await runCli([...args, '--report', join(dir, 'there.html'), '--workers', '2']);
    expect([here.code, there.code], there.err).toEqual([0, 0]);
    expect(strip(JSON.parse(there.out) as EvalReport)).toEqual(strip(JSON.parse(here.out) as EvalReport));
    expect(there.err.replace('there.html', 'here.html')).toBe(here.err);
    const untimed = (name: string) => readFileSync(join(dir, name), 'utf8').replace(/(data-field="msPerFile" data-value=")[^"]*(">\s*)[\d.]+/g, '$1$2').replace(/"msPerFile":[\d.e+-]+/g, '');
    expect(untimed('there.html')).toBe(untimed('here.html'));
  });

  it('--backend webgpu --workers 2 keeps the GPU runs on the calling thread, reading the files there', { timeout: 60_000 }, async () => {
    const { here, there, reports } = await both(['eval', ...files, '--methods', 'fastv,uniform', '--backend', 'webgpu', '--json']);
    expect(reports[1]).toEqual(reports[0]);
    expect(skips(there.err)).toEqual(skips(here.err));
  });

  it('a prior for llava-1.5-7b: files recording the model by an alias are evaluated, not skipped', { timeout: 60_000 }, async () => {
    const s = makeScene({ layout: '8x8', bias: 'bottom', strength: 2, seed: 1, dim: 4 }, 0);
    const { features, attention, layout } = s.input;
    const labelled = (name: string, model: string) => {
      const f = join(dir, name);
      const tensors = { features: { shape: [features.rows, features.cols], data: features.data }, attention: { shape: [attention.length], data: attention }, object: { shape: [64], data: Float32Array.from(s.labels.object) } };
      const meta = { 'd2pruner.layout': JSON.stringify(layoutToJson(layout)), 'd2pruner.objects': JSON.stringify(s.labels.objects), 'd2pruner.referent': String(s.labels.referent), 'd2pruner.model': model };
      writeFileSync(f, writeSafetensors(tensors, meta, { object: 'I32' }));
      return f;
    };
    const prior = join(dir, 'prior-7b.safetensors');
    writeFileSync(prior, writeSafetensors({ prior: { shape: [64], data: new Float32Array(64).fill(1 / 64) } }, { 'd2pruner.model': 'llava-1.5-7b' }));
    const sources = [labelled('id.safetensors', 'llava-1.5-7b'), labelled('alias.safetensors', 'LLaVA-v1.5-7B'), labelled('other.safetensors', 'llava-1.5-13b')];
    const { here, there, reports } = await both(['eval', ...sources, '--methods', 'd2pruner', '--keep', '4', '--prior', prior, '--json']);
    expect(reports[0].map((r) => [r.files, r.skipped])).toEqual([[2, 1]]);
    expect(reports[1]).toEqual(reports[0]);
    expect(skips(there.err)).toEqual(skips(here.err));
  });

  it('the progress bar on a terminal counts files, unreadable ones too', { timeout: 60_000 }, async () => {
    const args = ['eval', ...files, join(dir, 'missing.safetensors'), '--methods', 'fastv,d2pruner'];
    for (const workers of [[], ['--workers', '2']]) {
      const r = await runCli([...args, ...workers], '', { isTTY: true });
      expect(r.code, r.err).toBe(0);
      expect(r.err).toMatch(/\reval \[#{20}\] 4\/4 done, 1 failed[^\r]*\n$/);
      expect(r.err.match(/eval: skipped/g)).toHaveLength(2);
      // a skip line never runs on after the bar: the bar's line is cleared first
      for (const m of r.err.matchAll(/eval: skipped/g)) {
        const before = r.err.slice(0, m.index);
        expect(before === '' || before.endsWith('\n') || before.endsWith('\r\u001b[K'), JSON.stringify(before.slice(-60))).toBe(true);
      }
    }
  });
});
