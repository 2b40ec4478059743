import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { firstValueFrom, lastValueFrom, toArray } from 'rxjs';
import { adapterRegistry, layoutToJson, readSafetensors, writeSafetensors, type ModelAdapter } from '@d2pruner/core';
import { calibrate, evaluateOutcomes, makeScene as makeLabelledScene, priorFileBytes, pruneBatchResults, type BatchResult } from '../src/index.js';
import { calibrateFiles, createPrunePool, nodeReadFile, withPool, type PrunePool } from '../src/node/index.js';
import { makeScene, tempDir } from './helpers/scenes.js';

// docs/algorithm.md §6: a prior is keyed by (model, layer, layout signature); docs/formats.md §1:
// token files may record `d2pruner.model` and `d2pruner.layer`, a prior file records all three.

/** A model registered on this thread only (workers never see it): id `toy-1b`, alias `Toy/One-B`. */
const TOY = { name: 'toy-1b', id: 'toy-1b', aliases: ['Toy/One-B'] } as unknown as ModelAdapter;

/** A 4×4 token file with these attention values, recording `model` and `layer` when given. */
function tokenBytes(attention: number[], model?: string, layer?: string): Uint8Array {
  const metadata: Record<string, string> = {};
  if (model !== undefined) metadata['d2pruner.model'] = model;
  if (layer !== undefined) metadata['d2pruner.layer'] = layer;
  const scene = makeScene({ rows: 4, cols: 4, seed: attention[0] });
  return writeSafetensors(
    {
      attention: { shape: [16], data: Float32Array.from({ length: 16 }, (_, i) => attention[i % attention.length]) },
      features: { shape: [16, scene.features.cols], data: scene.features.data },
    },
    metadata,
  );
}

const tmp = tempDir('d2p-prior-key-');
let pool: PrunePool;
beforeAll(() => {
  adapterRegistry.register(TOY);
  pool = createPrunePool({ workers: 1 });
});
afterAll(async () => {
  adapterRegistry.unregister(TOY.name);
  await pool.close();
  tmp.cleanup();
});

describe('calibrate averages inputs of one layer', () => {
  const inputs = () => [tokenBytes([1], undefined, '2'), tokenBytes([3], undefined, '5'), tokenBytes([5]), tokenBytes([7], undefined, '2')];

  it('without a layer given: the first averaged input fixes it, another is skipped naming layer, the prior records it', async () => {
    const result = await calibrate(inputs());
    // by hand: inputs 0, 2 (no layer) and 3 are averaged: (1 + 5 + 7) / 3 everywhere
    expect(Array.from(result.prior)).toEqual(new Array(16).fill(Math.fround(13 / 3)));
    expect(result.samples).toBe(3);
    expect(result.layer).toBe(2);
    expect(result.skipped.map((s) => [s.index, s.error.code, s.error.field])).toEqual([[1, 'INVALID_INPUT', 'layer']]);
    expect(readSafetensors(priorFileBytes(result)).metadata['d2pruner.layer']).toBe('2');
  });

  it('with a layer given: inputs recorded at another layer are skipped, inputs recording none are kept', async () => {
    const result = await calibrate(inputs(), { layer: 5 });
    // by hand: inputs 1 and 2: (3 + 5) / 2
    expect(Array.from(result.prior)).toEqual(new Array(16).fill(4));
    expect(result.layer).toBe(5);
    expect(result.skipped.map((s) => [s.index, s.error.field])).toEqual([
      [0, 'layer'],
      [3, 'layer'],
    ]);
  });

  it('the layer reaches calibration from the worker threads too', async () => {
    const files = inputs().map((b, k) => tmp.write(`layer-${k}.safetensors`, b));
    const result = await calibrateFiles(files, { pool });
    expect(result.samples).toBe(3);
    expect(result.layer).toBe(2);
    expect(result.skipped.map((s) => [s.path, s.error.field])).toEqual([[files[1], 'layer']]);
  });

  it('inputs that record no layer give a prior without one', async () => {
    const result = await calibrate([tokenBytes([1]), tokenBytes([3])]);
    expect(result.layer).toBeUndefined();
    expect(readSafetensors(priorFileBytes(result)).metadata['d2pruner.layer']).toBe('');
  });
});

describe('a prior is used only on inputs of its model and layer (prune --batch, main thread and workers)', () => {
  const prior = new Float32Array(16).fill(1);
  const lines = () => {
    const files = [
      tokenBytes([1], 'toy-1b', '2'), // same key
      tokenBytes([2], 'TOY/ONE-B', '2'), // the same model by an alias, in another case
      tokenBytes([3], 'other-model', '2'), // another model
      tokenBytes([4], 'toy-1b', '3'), // another layer
      tokenBytes([5]), // records neither: not checked
    ].map((b, k) => tmp.write(`line-${k}.safetensors`, b));
    return files.map((input) => JSON.stringify({ input, keep: 4 }));
  };
  const outcome = (r: BatchResult) => (r.error ? `${r.error.code} ${r.error.field}` : 'ok');

  for (const workers of [false, true]) {
    it(`another model or layer fails its line naming prior, the batch goes on (${workers ? 'worker pool' : 'main thread'})`, async () => {
      const options = { prior, priorModel: 'toy-1b', priorLayer: 2, concurrency: 2, readFile: nodeReadFile };
      const results = await lastValueFrom(pruneBatchResults(lines(), workers ? withPool({ ...options, pool }) : options).pipe(toArray()));
      expect(results.map(outcome)).toEqual(['ok', 'ok', 'INVALID_INPUT prior', 'INVALID_INPUT prior', 'ok']);
      expect(results[2].error?.message).toMatch(/model/);
      expect(results[2].error?.message).not.toMatch(/layer/);
      expect(results[3].error?.message).toMatch(/layer/);
      expect(results[3].error?.message).not.toMatch(/model/);
    });
  }

  it('a prior recording the model by its alias matches inputs recording the id (worker pool)', async () => {
    const results = await lastValueFrom(pruneBatchResults(lines(), withPool({ prior, priorModel: 'Toy/One-B', readFile: nodeReadFile, pool })).pipe(toArray()));
    expect(results.map(outcome)).toEqual(['ok', 'ok', 'INVALID_INPUT prior', 'ok', 'ok']);
  });
});

describe('eval: a prior of another model or layer skips the file naming prior', () => {
  const OPTIONS = { layout: '4x4', bias: 'bottom' as const, strength: 2, seed: 1, dim: 4 };

  /** A labelled scene file recording `metadata`. */
  function labelled(k: number, metadata: Record<string, string>): { name: string; bytes: Uint8Array } {
    const s = makeLabelledScene(OPTIONS, k);
    const { features, attention, layout } = s.input;
    const bytes = writeSafetensors(
      {
        features: { shape: [features.rows, features.cols], data: features.data },
        attention: { shape: [attention.length], data: attention },
        object: { shape: [s.labels.object.length], data: Float32Array.from(s.labels.object) },
      },
      { 'd2pruner.layout': JSON.stringify(layoutToJson(layout)), 'd2pruner.objects': JSON.stringify(s.labels.objects), 'd2pruner.referent': String(s.labels.referent), ...metadata },
      { object: 'I32' },
    );
    return { name: `scene-${k}`, bytes };
  }

  it('one file per key: same, alias, other model, other layer', async () => {
    const files = [
      labelled(0, { 'd2pruner.model': 'toy-1b', 'd2pruner.layer': '2' }),
      labelled(1, { 'd2pruner.model': 'Toy/One-B' }),
      labelled(2, { 'd2pruner.model': 'other-model', 'd2pruner.layer': '2' }),
      labelled(3, { 'd2pruner.layer': '7' }),
    ];
    const prior = new Float32Array(16).fill(1);
    const outcomes = await firstValueFrom(
      evaluateOutcomes(files, { runs: [{ method: 'd2pruner', budget: { keep: 4 } }], prior, priorModel: 'toy-1b', priorLayer: 2 }).pipe(toArray()),
    );
    expect(outcomes.map((o) => (o.error ? `${o.error.field} ${/model/.test(o.error.message) ? 'model' : /layer/.test(o.error.message) ? 'layer' : '?'}` : 'ok'))).toEqual(['ok', 'ok', 'prior model', 'prior layer']);
  });
});
