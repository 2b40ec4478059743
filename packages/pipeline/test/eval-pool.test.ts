import { writeSafetensors, methodRegistry, registerMethod } from '@d2pruner/core';
import { firstValueFrom, toArray } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { evaluateOutcomes, makeScene, makeScenes, sceneFileBytes, type EvalOutcome, type EvalRun, type ProgressEvent } from '../src/index.js';
import { evaluateInPool, type PrunePool } from '../src/node/index.js';
import { firstTokensMethod } from './helpers/methods.js';
import { useSharedPool } from './helpers/shared-pool.js';

const OPTIONS = { layout: '8x8', bias: 'bottom' as const, strength: 4, seed: 5, dim: 8 };
const runs: EvalRun[] = [
  { method: 'd2pruner', budget: { keep: 6 } },
  { method: 'fastv', budget: { ratio: 0.25 } },
  { method: 'dart', budget: { keep: 6 } },
  { method: 'divprune', budget: { keep: 9 } },
];
let pool: PrunePool;
useSharedPool((p) => (pool = p));

function scenes(count: number) {
  return [...makeScenes(OPTIONS, count)].map((s, k) => ({ name: `scene-${k}`, bytes: sceneFileBytes(s) }));
}

/** What an outcome says, without its timing. */
function said(o: EvalOutcome) {
  return { file: o.file, fileIndex: o.fileIndex, run: o.run, n: o.n, keep: o.selection?.keep, error: o.error, labels: o.labels && Array.from(o.labels.object), frames: o.layout?.frame.length };
}

describe('evaluateInPool: one worker task per labelled file', () => {
  it('gives the outcomes of the calling thread, in order: selections, labels, layouts, skips and an unreadable file', async () => {
    const unlabelled = { name: 'unlabelled', bytes: writeSafetensors({ attention: { shape: [64], data: makeScene(OPTIONS, 0).input.attention } }) };
    const sources = [...scenes(5), 'missing.safetensors', unlabelled];
    const readFile = () => Promise.reject(Object.assign(new Error('nope'), { code: 'INVALID_INPUT', field: 'input' }));
    const here = await firstValueFrom(evaluateOutcomes(sources, { runs, readFile, concurrency: 2 }).pipe(toArray()));
    const there = await firstValueFrom(evaluateInPool(sources, { runs, readFile, concurrency: 3, pool }).pipe(toArray()));
    expect(there.map(said)).toEqual(here.map(said));
    expect(there.filter((o) => o.selection).length).toBe(5 * 3); // DART needs keys: skipped
    // the run objects are the caller's own
    expect(there[0].run).toBe(runs[0]);
  });

  it('leaves the caller’s in-memory bytes in place (they are copied, not moved)', async () => {
    const sources = scenes(2);
    const sizes = sources.map((s) => s.bytes.byteLength);
    await firstValueFrom(evaluateInPool(sources, { runs, pool }).pipe(toArray()));
    expect(sources.map((s) => s.bytes.byteLength)).toEqual(sizes);
  });

  it('decodes each file once in one task: as many tasks as files, none per run', async () => {
    const watched = Object.create(pool) as PrunePool;
    let files = 0;
    let single = 0;
    watched.evalFile = (...args) => {
      files++;
      return pool.evalFile(...args);
    };
    watched.prune = (...args) => {
      single++;
      return pool.prune(...args);
    };
    await firstValueFrom(evaluateInPool(scenes(4), { runs, pool: watched }).pipe(toArray()));
    expect([files, single]).toEqual([4, 0]);
  });

  it('a file whose task failed as a whole is evaluated again with one task per run', async () => {
    const failing = Object.create(pool) as PrunePool;
    let single = 0;
    failing.evalFile = async () => ({ timings: {}, error: { code: 'INTERNAL', field: 'workers', message: 'worker exited' } });
    failing.prune = (...args) => {
      single++;
      return pool.prune(...args);
    };
    const sources = scenes(2);
    const here = await firstValueFrom(evaluateOutcomes(sources, { runs }).pipe(toArray()));
    const there = await firstValueFrom(evaluateInPool(sources, { runs, pool: failing }).pipe(toArray()));
    expect(there.map(said)).toEqual(here.map(said));
    expect(single).toBe(2 * runs.length);
  });

  it('a method registered on this thread only: every run goes through the per-run path and gets its answer', async () => {
    const custom = firstTokensMethod('zz-eval-first');
    registerMethod(custom);
    try {
      const out = await firstValueFrom(evaluateInPool(scenes(2), { runs: [{ method: 'zz-eval-first', budget: { keep: 3 } }], pool }).pipe(toArray()));
      expect(out.map((o) => [o.error, o.selection?.keep])).toEqual([
        [undefined, [0, 1, 2]],
        [undefined, [0, 1, 2]],
      ]);
    } finally {
      methodRegistry.unregister('zz-eval-first');
    }
  });

  it('refuses no runs and a run given twice before reading a file; progress counts files', async () => {
    let reads = 0;
    const readFile = async () => {
      reads++;
      return new Uint8Array();
    };
    expect(() => evaluateInPool(['a'], { runs: [], readFile, pool })).toThrow(expect.objectContaining({ field: 'methods' }) as Error);
    expect(() => evaluateInPool(['a'], { runs: [runs[1], runs[1]], readFile, pool })).toThrow(expect.objectContaining({ field: 'runs' }) as Error);
    expect(reads).toBe(0);
    const events: ProgressEvent[] = [];
    await firstValueFrom(evaluateInPool(scenes(3), { runs, pool, onProgress: (e) => events.push(e) }).pipe(toArray()));
    expect(events.at(-1)).toMatchObject({ done: 3, final: true });
  });
});
