/**
 * The three worked compositions of docs/pipelines.md, each as written there.
 */
import { describe, expect, it } from 'vitest';
import { filter, from, interval, lastValueFrom, map, pipe, take, toArray } from 'rxjs';
import { InvalidInputError, MissingTensorError, gridLayout, type TokenInput } from '@d2pruner/core';
import {
  buildGraph,
  calibrate,
  concurrently,
  createJob,
  decode,
  prepare,
  prune,
  pruneStream,
  score,
  selectMIS,
  selectPivots,
  stage,
  withPrior,
  type PruneJob,
} from '../src/index.js';
import { rng } from './helpers/scenes.js';
import { SIDE, rampScene } from './helpers/ramp.js';

/** Indices sorted by value, descending, ties → lower index (computed here, independently of scoring). */
const byValueDesc = (v: ArrayLike<number>) => Array.from({ length: v.length }, (_, i) => i).sort((a, b) => v[b] - v[a] || a - b);

describe('composition 1: a custom scorer (CLS attention instead of text attention)', () => {
  // --- as in docs/pipelines.md ---------------------------------------------------------------
  const clsAttention = (job: PruneJob) => {
    const cls = job.input?.clsAttention;
    if (!cls) throw new MissingTensorError('clsAttention', 'the CLS scorer');
    return cls;
  };
  const clsPruner = pipe(decode(), prepare(), score({ scorer: clsAttention, debias: 'none' }), selectPivots(), buildGraph(), selectMIS());
  // ---------------------------------------------------------------------------------------------

  const scene = (seed: number): TokenInput => {
    const r = rng(seed);
    const n = 36;
    return {
      features: { rows: n, cols: 8, data: Float32Array.from({ length: n * 8 }, () => r() * 2 - 1) },
      attention: Float32Array.from({ length: n }, () => r()),
      clsAttention: Float32Array.from({ length: n }, () => r()),
    };
  };

  it('pivots are the top CLS-attention tokens, not the top text-attention ones', async () => {
    const inputs = [1, 2, 3].map(scene);
    const jobs = await lastValueFrom(pruneStream(inputs.map((input) => ({ input, keep: 10 })), clsPruner).pipe(toArray()));
    jobs.forEach((job, k) => {
      const topCls = byValueDesc(inputs[k].clsAttention as Float32Array).slice(0, 7); // ⌊0.7 · 10⌋ pivots
      const topText = byValueDesc(inputs[k].attention as Float32Array).slice(0, 7);
      expect(job.selection?.pivots).toEqual(topCls.sort((a, b) => a - b));
      expect(job.selection?.pivots).not.toEqual(topText.sort((a, b) => a - b));
      expect(job.selection?.keep).toHaveLength(10);
    });
  });

  it('without text attention, prepare({ signal: "clsAttention" }) validates CLS attention instead', async () => {
    const input = scene(4);
    delete input.attention;
    const viaSignal = pipe(decode(), prepare({ signal: 'clsAttention' }), score(), selectPivots(), buildGraph(), selectMIS());
    const [job] = await lastValueFrom(pruneStream([{ input, keep: 10 }], viaSignal).pipe(toArray()));
    expect(job.selection?.pivots).toEqual(byValueDesc(input.clsAttention as Float32Array).slice(0, 7).sort((a, b) => a - b));
    const [missing] = await lastValueFrom(pruneStream([{ input, keep: 10 }], clsPruner).pipe(toArray()));
    expect(missing.error).toMatchObject({ code: 'MISSING_TENSOR', field: 'attention' });
  });
});

describe('composition 2: an extra stage (drop padding tokens before MIS)', () => {
  // --- as in docs/pipelines.md ---------------------------------------------------------------
  /** Padding tokens have all-zero features. */
  const isPadding = (job: PruneJob, token: number) => {
    const f = job.input?.features;
    if (!f) throw new MissingTensorError('features', 'dropPadding');
    for (let c = 0; c < f.cols; c++) if (f.data[token * f.cols + c] !== 0) return false;
    return true;
  };
  const dropPadding = () =>
    stage('dropPadding', (job) => {
      const candidates = (job.candidates ?? new Int32Array()).filter((t) => !isPadding(job, t));
      if (candidates.length < (job.m ?? 0)) throw new InvalidInputError('keep', `only ${candidates.length} non-padding candidates for ${job.m} slots`);
      return { candidates };
    });
  const paddingAware = pipe(decode(), prepare(), score(), selectPivots(), dropPadding(), buildGraph(), selectMIS());
  // ---------------------------------------------------------------------------------------------
  const plain = pipe(decode(), prepare(), score(), selectPivots(), buildGraph(), selectMIS());

  /** 8×8 scene: the last two rows are padding (zero features) with attention 1.5 — above every content token but 5. */
  const scene = (seed: number): TokenInput => {
    const r = rng(seed);
    const n = 64;
    const data = new Float32Array(n * 16);
    const attention = new Float32Array(n);
    for (let i = 0; i < n; i++) {
      const pad = i >= 48;
      attention[i] = pad ? 1.5 : 0.1 + r();
      if (!pad) for (let c = 0; c < 16; c++) data[i * 16 + c] = r() * 2 - 1;
    }
    for (const p of [3, 10, 20, 30, 40]) attention[p] = 3;
    return { features: { rows: n, cols: 16, data }, attention, layout: gridLayout(8, 8) };
  };

  it('without the stage the MIS takes padding (zero-norm tokens have no edges); with it, none', async () => {
    const inputs = [11, 12].map(scene);
    const requests = inputs.map((input) => ({ input, keep: 8 })); // 5 pivots + 3 MIS picks
    const before = await lastValueFrom(pruneStream(requests, plain).pipe(toArray()));
    const after = await lastValueFrom(pruneStream(requests, paddingAware).pipe(toArray()));
    for (const job of before) {
      expect(job.selection?.pivots).toEqual([3, 10, 20, 30, 40]);
      expect(job.picks).toEqual([48, 49, 50]); // the first padding tokens in importance order (ties → lower index)
    }
    for (const job of after) {
      expect(job.selection?.pivots).toEqual([3, 10, 20, 30, 40]);
      expect(job.selection?.keep).toHaveLength(8);
      expect(job.selection?.keep.every((t) => t < 48)).toBe(true);
      expect(job.timings.dropPaddingMs).toBeGreaterThanOrEqual(0);
    }
  });

  it('too few real candidates is an error on that job only', async () => {
    const jobs = await lastValueFrom(pruneStream([{ input: scene(13), keep: 50, params: { pivotRatio: 0 } }, { input: scene(14), keep: 8 }], paddingAware).pipe(toArray()));
    expect(jobs[0].error).toMatchObject({ code: 'INVALID_INPUT', field: 'keep' });
    expect(jobs[1].selection?.keep).toHaveLength(8);
  });
});

describe('composition 3: a video stream, each frame pruned with a shared prior', () => {
  /** Frame t: the ramp-biased attention with a moving object (content peak) on the top row. */
  const objectAt = (t: number) => t % SIDE;
  const frame = (t: number) => rampScene(7000 + t, objectAt(t));

  it('the object is a pivot in every frame with the shared prior, and in none without it', async () => {
    // --- as in docs/pipelines.md -------------------------------------------------------------
    const { prior } = await calibrate(
      Array.from({ length: 200 }, (_, k) => rampScene(k)),
      { concurrency: 2 },
    );
    const frames$ = interval(1).pipe(take(24), map(frame));
    const pruned$ = frames$.pipe(
      map((input, t) => createJob({ input, keep: 8 }, t)),
      concurrently(pipe(decode(), withPrior(prior), prune('d2pruner')), { concurrency: 2 }),
      filter((job) => job.selection !== undefined),
    );
    // -------------------------------------------------------------------------------------------
    const jobs = await lastValueFrom(pruned$.pipe(toArray()));
    expect(jobs.map((j) => j.index)).toEqual(Array.from({ length: 24 }, (_, t) => t));
    for (const job of jobs) expect(job.selection?.pivots).toContain(objectAt(job.index));

    const raw = await lastValueFrom(
      from(Array.from({ length: 24 }, (_, t) => createJob({ input: frame(t), keep: 8, params: { debias: 'none' } }, t))).pipe(
        concurrently(pipe(decode(), withPrior(prior), prune('d2pruner'))),
        toArray(),
      ),
    );
    for (const job of raw) expect(job.selection?.pivots).not.toContain(objectAt(job.index));
  });
});
