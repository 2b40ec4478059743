import { once } from 'node:events';
import { Worker } from 'node:worker_threads';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { HelperThread, TokenInput } from '@d2pruner/core';
import { helperWorkerSource, getMethod, mulberry32 } from '../src/index.js';

/*
 * The helper thread's jobs (CDPruner's screen, VisPruner's shared build) where the thread
 * misbehaves or messages arrive late: the selection never depends on it. The equality with the
 * eager greedy and the exact maxima on hard scenes, helper included, are in
 * baselines-screened.test.ts.
 */

/** Features of `rows` tokens in a few clusters (many tokens close to the top: the screen pays, the helper works). */
function clustered(rows: number, cols: number, seed: number): TokenInput {
  const next = mulberry32(seed);
  const rand = () => next() / 2 ** 32 - 0.5;
  const centres = Array.from({ length: 12 }, () => Array.from({ length: cols }, rand));
  const data = new Float32Array(rows * cols);
  for (let i = 0; i < rows; i++) for (let k = 0; k < cols; k++) data[i * cols + k] = centres[(i * 7) % 12][k] + 0.3 * rand();
  const text = new Float32Array(4 * cols);
  for (let k = 0; k < text.length; k++) text[k] = rand();
  return { features: { rows, cols, data }, textFeatures: { rows: 4, cols, data: text } };
}

const input = clustered(2048, 256, 5);
const keep = 200;
let worker: Worker;
let real: HelperThread;
beforeAll(async () => {
  worker = new Worker(helperWorkerSource(), { eval: true });
  await once(worker, 'online');
  real = { post: (m) => worker.postMessage(m) };
});
afterAll(() => worker.terminate());

const run = (helper?: HelperThread) => getMethod('cdpruner').select(input, keep, {}, { helper });

describe('CDPruner screen helper', () => {
  it('a thread that never runs the job (messages lost): the same selection, no helper screens, no wait', async () => {
    const alone = await run();
    const lost = await run({ post: () => undefined });
    expect(lost.keep).toEqual(alone.keep);
    expect(lost.order).toEqual(alone.order);
    expect(lost.timings.helperScreens).toBe(0);
  });

  it('a job cancelled before the helper saw it, delivered late while the next job runs on the same memory, does not run', async () => {
    const alone = await run();
    // until the helper ran the later job (a loaded machine may not schedule it in time)
    let screens = 0;
    for (let k = 0; k < 10 && screens === 0; k++) {
      const stale: unknown[] = [];
      await run({ post: (m) => stale.push(m) });
      expect(stale).toHaveLength(1);
      const late: HelperThread = {
        post: (m) => {
          worker.postMessage(stale[0]);
          worker.postMessage(m);
        },
      };
      const helped = await run(late);
      expect(helped.keep).toEqual(alone.keep);
      expect(helped.order).toEqual(alone.order);
      screens = Number(helped.timings.helperScreens);
    }
    expect(screens).toBeGreaterThan(0);
  });

  it('a request aborted while the helper runs stops it; the next request on the same memory gets the selection of one thread', async () => {
    const alone = await run();
    const controller = new AbortController();
    controller.abort(new Error('stop'));
    await expect(getMethod('cdpruner').select(input, keep, {}, { helper: real, signal: controller.signal })).rejects.toThrow();
    const after = await run(real);
    expect(after.order).toEqual(alone.order);
  });

  it('runs after runs with a real thread give the selection of one thread', async () => {
    const alone = await run();
    for (let k = 0; k < 4; k++) {
      const helped = await run(real);
      expect(helped.order).toEqual(alone.order);
    }
  });
});

describe('VisPruner build shared with a helper thread', () => {
  const vis = (() => {
    const next = mulberry32(9);
    const base = clustered(700, 96, 8);
    const cls = Float32Array.from({ length: 700 }, () => next() / 2 ** 32);
    return { ...base, clsAttention: cls };
  })();
  const prune = (helper?: HelperThread) => getMethod('vispruner').select(vis, 64, {}, { helper });

  it('with a real thread, a thread that never runs the job, a job delivered after the next one started: the selection of one thread', async () => {
    const alone = await prune();
    expect(alone.timings.helperGroups).toBe(0);
    const helped = await prune(real);
    expect(helped.keep).toEqual(alone.keep);
    const lost = await prune({ post: () => undefined });
    expect(lost.keep).toEqual(alone.keep);
    expect(lost.timings.helperGroups).toBe(0);
    const stale: unknown[] = [];
    await prune({ post: (m) => stale.push(m) });
    const late = await prune({
      post: (m) => {
        worker.postMessage(stale[0]);
        worker.postMessage(m);
      },
    });
    expect(late.keep).toEqual(alone.keep);
  });

  it('the helper computes part of the build when it runs', async () => {
    let groups = 0;
    for (let k = 0; k < 20 && groups === 0; k++) groups += Number((await prune(real)).timings.helperGroups);
    expect(groups).toBeGreaterThan(0);
  });
});
