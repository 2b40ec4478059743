import { writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { adapterRegistry, gridLayout, layoutToJson, methodRegistry, registerMethod, writeSafetensors, type ModelAdapter } from '@d2pruner/core';
import { lastValueFrom, toArray, type Observable } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { evaluateOutcomes, makeScene, makeScenes, sceneFileBytes, type EvalOptions, type EvalOutcome, type EvalRun, type EvalSource } from '../src/index.js';
import { evaluateInPool, nodeReadFile, poolStages, type PrunePool } from '../src/node/index.js';
import { firstTokensMethod } from './helpers/methods.js';
import { useSharedPool } from './helpers/shared-pool.js';

const OPTIONS = { layout: '8x8', bias: 'bottom' as const, strength: 4, seed: 5, dim: 8 };
const BUILTINS = ['d2pruner', 'fastv', 'dart', 'divprune', 'vispruner', 'visionzip', 'cdpruner', 'uniform', 'random'];
let pool: PrunePool;
let dir: string;
useSharedPool((p, d) => ((pool = p), (dir = d)), 'd2p-eval-pool-audit-');

function scenes(count: number) {
  return [...makeScenes(OPTIONS, count)].map((s, k) => ({ name: `scene-${k}`, bytes: sceneFileBytes(s) }));
}

/** Scene k with keys and clsAttention too (every built-in runs on it), recording these metadata. */
function rich(k: number, metadata: Record<string, string> = {}) {
  const s = makeScene(OPTIONS, k);
  const { features, attention, layout } = s.input;
  const tensors = {
    features: { shape: [features.rows, features.cols], data: features.data },
    keys: { shape: [features.rows, features.cols], data: features.data.map((v) => v * 0.5 + 0.1) },
    attention: { shape: [attention.length], data: attention },
    clsAttention: { shape: [attention.length], data: attention.map((v, i) => v + (i % 3) * 0.01) },
    object: { shape: [s.labels.object.length], data: Float32Array.from(s.labels.object) },
  };
  const meta = { 'd2pruner.layout': JSON.stringify(layoutToJson(layout)), 'd2pruner.objects': JSON.stringify(s.labels.objects), 'd2pruner.referent': String(s.labels.referent), ...metadata };
  return { name: `rich-${k}`, bytes: writeSafetensors(tensors, meta, { object: 'I32' }) };
}

/** A file on disk with these bytes. */
function onDisk(name: string, bytes: Uint8Array): string {
  const f = join(dir, name);
  writeFileSync(f, bytes);
  return f;
}

/** An outcome without its timings (`ms`, the selection's `timings`). */
function said(o: EvalOutcome) {
  const { ms: _ms, selection, ...rest } = o;
  if (!selection) return rest;
  const { timings: _timings, ...kept } = selection;
  return { ...rest, selection: kept };
}

/** Every outcome and the final error of a stream. */
async function settle(outcomes: Observable<EvalOutcome>): Promise<{ out: EvalOutcome[]; error?: unknown }> {
  const out: EvalOutcome[] = [];
  return new Promise((resolve) => outcomes.subscribe({ next: (o) => out.push(o), error: (error: unknown) => resolve({ out, error }), complete: () => resolve({ out }) }));
}

/** The outcomes on the calling thread and in the pool (`sources` called once for each). */
async function both(sources: () => AsyncIterable<EvalSource> | Iterable<EvalSource>, options: EvalOptions, inPool: PrunePool = pool) {
  const here = await settle(evaluateOutcomes(sources(), options));
  const there = await settle(evaluateInPool(sources(), { ...options, pool: inPool }));
  return { here, there };
}

describe('evaluateInPool gives the outcomes of evaluateOutcomes', () => {
  it('every built-in, keep and ratio budgets (keep > N, ratio rounding to 0), params, priors of another layout, a layout option, a view, a file twice, no file', async () => {
    const runs: EvalRun[] = BUILTINS.flatMap((method) => [{ method, budget: { keep: 5 } }, { method, budget: { ratio: 0.001 } }, { method, budget: { keep: 1000 } }]);
    runs[0] = { ...runs[0], params: { alpha: 0.3 } };
    runs.push({ method: 'random', budget: { keep: 7 }, params: { seed: 9 } });
    const one = rich(0);
    const big = new Uint8Array(one.bytes.length + 100);
    big.set(one.bytes, 37);
    const view = { name: 'view', bytes: big.subarray(37, 37 + one.bytes.length) };
    const sources = [one, ...scenes(2), view, one];
    const plain = await both(() => sources, { runs, concurrency: 3 });
    expect(plain.there.out.map(said)).toEqual(plain.here.out.map(said));
    expect(plain.there.out.every((o, k) => o.run === runs[k % runs.length])).toBe(true);
    expect(plain.there.out.filter((o) => o.selection).length).toBe(3 * runs.length + 2 * (runs.length - 9));
    expect(big.byteLength).toBe(one.bytes.length + 100);

    const prior = new Float32Array(64).fill(1 / 64);
    const other = await both(() => sources.slice(0, 2), { runs: runs.slice(0, 3), prior, priorLayout: 'grid:1x1' });
    expect(other.there.out.map(said)).toEqual(other.here.out.map(said));
    expect(other.there.out.every((o) => o.error?.field === 'prior')).toBe(true);

    const s = makeScene(OPTIONS, 0);
    const bare = { name: 'bare', bytes: writeSafetensors({ features: { shape: [64, 8], data: s.input.features.data }, attention: { shape: [64], data: s.input.attention }, object: { shape: [64], data: Float32Array.from(s.labels.object) } }, {}, { object: 'I32' }) };
    const laid = await both(() => [bare], { runs: runs.slice(0, 3), layout: s.input.layout });
    expect(laid.there.out.map(said)).toEqual(laid.here.out.map(said));

    const none = await both(() => [], { runs });
    expect([none.here.out, none.there.out, none.there.error]).toEqual([[], [], undefined]);
  });

  it('a source that fails midway: every file before it has its outcomes, then the error', async () => {
    const runs: EvalRun[] = [{ method: 'd2pruner', budget: { keep: 6 } }, { method: 'fastv', budget: { keep: 6 } }];
    const files = scenes(3);
    for (const concurrency of [1, 4]) {
      const failing = async function* () {
        yield files[0];
        yield files[1];
        await new Promise((r) => setTimeout(r, 5));
        yield files[2];
        throw new Error('source broke');
      };
      const { here, there } = await both(failing, { runs, concurrency });
      expect(there.out.map(said)).toEqual(here.out.map(said));
      expect(there.out).toHaveLength(6);
      expect([(here.error as Error).message, (there.error as Error).message]).toEqual(['source broke', 'source broke']);
    }
  });

  it('an abort mid-run errors the stream with its reason, and the pool serves the next evaluation', async () => {
    const runs: EvalRun[] = BUILTINS.map((method) => ({ method, budget: { keep: 6 } }));
    const ac = new AbortController();
    let seen = 0;
    const error = await new Promise((resolve) =>
      evaluateInPool(scenes(12), { runs, pool, signal: ac.signal, concurrency: 4 }).subscribe({
        next: () => ++seen === 3 && ac.abort(new Error('stop')),
        error: resolve,
      }),
    );
    expect((error as Error).message).toBe('stop');
    expect(await lastValueFrom(evaluateInPool(scenes(2), { runs, pool }).pipe(toArray()))).toHaveLength(2 * runs.length);
  });
});

describe('evaluateInPool audit: bugs', () => {
  it('a prior for a model named by an alias registered on this thread only: files recording the alias are not skipped', async () => {
    // registered here only: the workers' adapter registry knows nothing of it
    adapterRegistry.register({ name: 'toy-1b', id: 'toy-1b', aliases: ['Toy/One-B'] } as unknown as ModelAdapter);
    try {
      const runs: EvalRun[] = [{ method: 'd2pruner', budget: { keep: 6 } }];
      const sources = [rich(0, { 'd2pruner.model': 'TOY/ONE-B', 'd2pruner.layer': '2' }), rich(1, { 'd2pruner.model': 'other' }), rich(2, { 'd2pruner.layer': '3' }), rich(3)];
      const { here, there } = await both(() => sources, { runs, prior: new Float32Array(64).fill(1 / 64), priorModel: 'toy-1b', priorLayer: 2 });
      expect(here.out.map((o) => o.error?.field ?? 'ok')).toEqual(['ok', 'prior', 'prior', 'ok']);
      expect(there.out.map(said)).toEqual(here.out.map(said));
    } finally {
      adapterRegistry.unregister('toy-1b');
    }
  });

  it('a Node Buffer from fs.readFile given as in-memory bytes stays attached, in a file task and in the per-run fallback', async () => {
    const runs: EvalRun[] = [{ method: 'd2pruner', budget: { keep: 6 } }, { method: 'fastv', budget: { keep: 6 } }];
    const failing = Object.create(pool) as PrunePool;
    failing.evalFile = async () => ({ timings: {}, error: { code: 'INTERNAL', field: 'workers', message: 'worker exited' } });
    const path = onDisk('buffer.safetensors', rich(0).bytes);
    for (const inPool of [pool, failing]) {
      const bytes = await readFile(path);
      const size = bytes.byteLength;
      const { here, there } = await both(() => [{ name: 'buffer', bytes }], { runs }, inPool);
      expect(bytes.byteLength).toBe(size);
      expect(there.out.map(said)).toEqual(here.out.map(said));
      expect(there.out.every((o) => o.selection)).toBe(true);
    }
    // the per-run pipeline on this thread with the pool's stages: the same
    const bytes = await readFile(path);
    await lastValueFrom(evaluateOutcomes([{ name: 'buffer', bytes }], { runs, stages: poolStages(pool) }).pipe(toArray()));
    expect(bytes.byteLength).toBeGreaterThan(0);
  });

  it('paths that stay on this thread (a method registered here, a GPU backend) are read with readFile', async () => {
    const path = onDisk('path.safetensors', rich(0).bytes);
    registerMethod(firstTokensMethod('zz-audit-first'));
    try {
      const custom = await both(() => [path], { runs: [{ method: 'zz-audit-first', budget: { keep: 3 } }, { method: 'fastv', budget: { keep: 3 } }], readFile: nodeReadFile });
      expect(custom.there.out.map(said)).toEqual(custom.here.out.map(said));
      expect(custom.there.out.map((o) => o.error)).toEqual([undefined, undefined]);
    } finally {
      methodRegistry.unregister('zz-audit-first');
    }
    const gpu = await both(() => [path], { runs: [{ method: 'uniform', budget: { keep: 3 } }], readFile: nodeReadFile, backend: 'webgpu' });
    expect(gpu.there.out.map(said)).toEqual(gpu.here.out.map(said));
  });

  it('a file whose task failed is read again with the caller’s readFile, not by the worker', async () => {
    const files = new Map(scenes(2).map((s) => [`virtual/${s.name}`, s.bytes]));
    const readFile = async (p: string) => files.get(p)?.slice() ?? Promise.reject(Object.assign(new Error(`no ${p}`), { code: 'INVALID_INPUT', field: 'input' }));
    const failing = Object.create(pool) as PrunePool;
    failing.evalFile = async () => ({ timings: {}, error: { code: 'INTERNAL', field: 'workers', message: 'worker exited' } });
    const runs: EvalRun[] = [{ method: 'd2pruner', budget: { keep: 6 } }];
    const { here, there } = await both(() => [...files.keys()], { runs, readFile }, failing);
    expect(here.out.map((o) => o.error)).toEqual([undefined, undefined]);
    expect(there.out.map(said)).toEqual(here.out.map(said));
  });

  it('the layout option reaches the per-run paths too (a failed file task, a GPU backend)', async () => {
    const s = makeScene(OPTIONS, 0);
    // no layout of its own: 64 tokens, laid out 4×16 by the option (the square default would be 8×8)
    const bare = { name: 'bare', bytes: writeSafetensors({ features: { shape: [64, 8], data: s.input.features.data }, attention: { shape: [64], data: s.input.attention }, object: { shape: [64], data: Float32Array.from(s.labels.object) } }, {}, { object: 'I32' }) };
    const failing = Object.create(pool) as PrunePool;
    failing.evalFile = async () => ({ timings: {}, error: { code: 'INTERNAL', field: 'workers', message: 'worker exited' } });
    const runs: EvalRun[] = [{ method: 'uniform', budget: { keep: 4 } }, { method: 'd2pruner', budget: { keep: 6 } }];
    const layout = gridLayout(4, 16);
    for (const [inPool, backend] of [[failing, undefined], [pool, 'webgpu']] as const) {
      const { here, there } = await both(() => [bare], { runs, layout, backend }, inPool);
      expect(here.out[0].error).toBeUndefined(); // uniform samples the 4×16 grid
      expect(there.out.map(said)).toEqual(here.out.map(said));
    }
  });
});
