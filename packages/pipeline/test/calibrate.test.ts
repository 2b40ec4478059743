import { describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { lastValueFrom, mergeMap, of, pipe, toArray } from 'rxjs';
import { gridLayout, layoutSignature } from '@d2pruner/core';
import { calibrate, createJob, debias, decode, prepare, pruneStream, selectPivots, score, withPrior, type PruneJob, type SkippedInput } from '../src/index.js';
import { pooledReadFile, ReadBufferPool } from '../src/node/index.js';
import { makeScene, sceneBytes } from './helpers/scenes.js';
import { SIDE, ramp, rampScene } from './helpers/ramp.js';

const N = SIDE * SIDE;
const CALIBRATION = 200;
/** Planted content peaks in the top two rows, where the ramp hides them. */
const PEAKS = [1, 3, 6, 9, 12, 14];

describe('calibrate', () => {
  const inputs = () => {
    const list: (Uint8Array | ReturnType<typeof rampScene>)[] = [];
    for (let k = 0; k < CALIBRATION; k++) {
      list.push(k % 2 ? rampScene(1000 + k) : sceneBytes(rampScene(1000 + k)));
      if (k % 50 === 25) list.push(makeScene({ rows: 5, cols: 5, seed: k })); // another layout
    }
    const noAttention = makeScene({ rows: SIDE, cols: SIDE, seed: 9 });
    delete (noAttention as { attention?: Float32Array }).attention;
    list.push(noAttention);
    return list;
  };

  it(`over ${CALIBRATION} scenes with a positional ramp: the prior is the ramp, other layouts are reported`, async () => {
    const skipped: SkippedInput[] = [];
    const result = await calibrate(inputs(), { model: 'test-model', layer: 2, concurrency: 3, onSkip: (s) => skipped.push(s) });
    expect(result.samples).toBe(CALIBRATION);
    expect(result.layoutSignature).toBe(layoutSignature(gridLayout(SIDE, SIDE)));
    expect(result).toMatchObject({ model: 'test-model', layer: 2 });
    // 4 inputs of another layout and one without attention
    expect(result.skipped.map((s) => s.error.field)).toEqual(['layout', 'layout', 'layout', 'layout', 'attention']);
    expect(result.skipped.map((s) => s.error.code)).toEqual(['INVALID_INPUT', 'INVALID_INPUT', 'INVALID_INPUT', 'INVALID_INPUT', 'MISSING_TENSOR']);
    expect(skipped).toEqual(result.skipped);
    // mean of 200 draws of U[0.5, 1.5] is 1 ± 0.02 (one s.d.); 0.1 is five s.d.
    for (let i = 0; i < N; i++) expect(Math.abs(result.prior[i] / ramp(i) - 1)).toBeLessThan(0.1);
  });

  it('the debiased ranking finds planted content peaks that raw attention misses', async () => {
    const { prior } = await calibrate(inputs(), { concurrency: 2 });
    const scenes = PEAKS.map((p, k) => rampScene(5000 + k, p));
    const rank = (order: Int32Array | undefined, p: number) => Array.from(order ?? []).indexOf(p);
    const run = (stages: Parameters<typeof pruneStream>[1]) => lastValueFrom(pruneStream(scenes.map((input) => ({ input, keep: 8 })), stages).pipe(toArray()));
    const debiased = await run(pipe(decode(), withPrior(prior), prepare(), score(), selectPivots()));
    const rawJobs = await run(pipe(decode(), withPrior(prior), prepare(), debias('none'), selectPivots()));
    debiased.forEach((job, k) => {
      expect(job.problem?.params.debias).toBe('prior');
      expect(rank(job.order, PEAKS[k])).toBe(0);
      expect(Array.from(job.pivots ?? [])).toContain(PEAKS[k]);
    });
    rawJobs.forEach((job, k) => {
      // keep 8 → 5 pivots; the peak (3 on a top row) ranks below many bottom-row tokens (up to 7.5)
      expect(rank(job.order, PEAKS[k])).toBeGreaterThanOrEqual(5);
      expect(Array.from(job.pivots ?? [])).not.toContain(PEAKS[k]);
    });
  });

  it('is deterministic whatever the concurrency (inputs are averaged in order)', async () => {
    const a = await calibrate(inputs(), { concurrency: 1 });
    const b = await calibrate(inputs(), { concurrency: 4 });
    expect(Array.from(b.prior)).toEqual(Array.from(a.prior));
  });

  it('a fixed layoutSignature rejects a stray first input instead of adopting its layout', async () => {
    const list = [makeScene({ rows: 5, cols: 5, seed: 1 }), rampScene(1), rampScene(2)];
    const result = await calibrate(list, { layoutSignature: layoutSignature(gridLayout(SIDE, SIDE)) });
    expect(result.samples).toBe(2);
    expect(result.skipped.map((s) => s.index)).toEqual([0]);
    const adopted = await calibrate(list);
    expect(adopted.samples).toBe(1);
    expect(adopted.skipped.map((s) => s.index)).toEqual([1, 2]);
  });

  it('a zero-token input is skipped in any position, never adopted as the layout; when every input is skipped, the error says why', async () => {
    const empty = { features: { rows: 0, cols: 4, data: new Float32Array(0) }, attention: new Float32Array(0), layout: { frames: [{ rows: 0, cols: 0 }], frame: new Int32Array(0), row: new Int32Array(0), col: new Int32Array(0) } };
    for (const list of [[empty, rampScene(1)], [rampScene(1), empty]]) {
      const result = await calibrate(list);
      expect(result.samples).toBe(1);
      expect(result.skipped.map((x) => [x.index, x.error.field])).toEqual([[list.indexOf(empty), 'attention']]);
      expect(result.layoutSignature).toBe(layoutSignature(gridLayout(SIDE, SIDE)));
    }
    const allOther = calibrate([rampScene(1)], { layoutSignature: layoutSignature(gridLayout(SIDE + 1, SIDE + 1)) });
    await expect(allOther).rejects.toMatchObject({ code: 'INVALID_INPUT', field: 'input', message: expect.stringMatching(/all 1 were skipped .*\[SHAPE_MISMATCH|all 1 were skipped .*layout/) });
  });

  it('a prior applied with its layout signature fails inputs of another layout, naming prior', async () => {
    const scene = makeScene({ rows: 4, cols: 6, seed: 2 });
    const prior = new Float32Array(24).fill(1 / 24);
    const run = (signature: string) => lastValueFrom(of(createJob(scene, 0)).pipe(decode(), withPrior(prior, signature)));
    expect((await run(layoutSignature(gridLayout(4, 6)))).input?.prior).toBe(prior);
    const other = await run(layoutSignature(gridLayout(6, 4)));
    expect(other.error).toMatchObject({ code: 'INVALID_INPUT', field: 'prior', message: expect.stringContaining('4×6, 24 tokens') });
  });

  it('inputs recorded with another model are skipped naming model, never averaged in (a prior belongs to one model)', async () => {
    const at = (values: number[], model?: string) => ({ attention: Float32Array.from(values), ...(model === undefined ? {} : { model }) });
    const list = [at([1, 2, 3, 4], 'model-a'), at([5, 6, 7, 8], 'model-b'), at([3, 3, 3, 3], 'MODEL-A'), at([2, 2, 2, 2])];
    const first = await calibrate(list);
    // by hand: ([1,2,3,4] + [3,3,3,3] + [2,2,2,2]) / 3; ids compare without case, an input naming no model is kept
    expect(Array.from(first.prior)).toEqual([2, 7 / 3, 8 / 3, 3].map(Math.fround));
    expect(first).toMatchObject({ samples: 3, model: 'model-a' });
    expect(first.skipped.map((x) => [x.index, x.error.code, x.error.field])).toEqual([[1, 'INVALID_INPUT', 'model']]);
    const given = await calibrate(list, { model: 'model-b' });
    expect(Array.from(given.prior)).toEqual([3.5, 4, 4.5, 5]);
    expect(given).toMatchObject({ samples: 2, model: 'model-b' });
    expect(given.skipped.map((x) => x.index)).toEqual([0, 2]);
  });

  it('no usable input is a typed error; read errors are reported with the path', async () => {
    await expect(calibrate([])).rejects.toMatchObject({ code: 'INVALID_INPUT', field: 'attention' });
    const readFile = async () => {
      throw new RangeError('unreadable');
    };
    const result = await calibrate(['x.safetensors', rampScene(3)], { readFile });
    expect(result.samples).toBe(1);
    expect(result.skipped).toEqual([{ index: 0, path: 'x.safetensors', error: { code: 'INTERNAL', field: '', message: 'unreadable' } }]);
  });
});

describe('calibrate with a pooled reader, and one result per input', () => {
  it('gives each pooled read buffer back once the input is averaged, so a long calibration reuses them', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'd2p-calibrate-pool-'));
    try {
      const paths = [0, 1, 2].map((k) => {
        const p = join(dir, `s${k}.safetensors`);
        writeFileSync(p, sceneBytes(rampScene(k + 1)));
        return p;
      });
      const buffers = new ReadBufferPool();
      const result = await calibrate(paths, { readFile: pooledReadFile(buffers) });
      expect(result.samples).toBe(3);
      expect(buffers.retainedBytes).toBeGreaterThan(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('custom stages that emit an input twice fail that input (INTERNAL naming stages) instead of averaging it twice', async () => {
    const inputs = [rampScene(1), rampScene(2)];
    const twice = pipe(decode(), mergeMap((job: PruneJob) => of(job, job)));
    const skipped: SkippedInput[] = [];
    await expect(calibrate(inputs, { stages: twice, onSkip: (s) => skipped.push(s) })).rejects.toMatchObject({ code: 'INVALID_INPUT', field: 'input' });
    expect(skipped.map((s) => [s.error.code, s.error.field])).toEqual([
      ['INTERNAL', 'stages'],
      ['INTERNAL', 'stages'],
    ]);
  });
});
