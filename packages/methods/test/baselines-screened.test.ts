import { Worker } from 'node:worker_threads';
import { once } from 'node:events';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { HelperThread } from '@d2pruner/core';
import { cosineFromDot, cpuDppUpdate, cpuMaxMinUpdate, pairDot, rowNorms64, storeFor } from '@d2pruner/kernels';
import { helperWorkerSource, farthestRow, farthestRowScreened, getMethod, mulberry32, NeighbourLists } from '../src/index.js';
import { dppColumns } from '../src/baselines/dpp-columns.js';
import { DppScreen } from '../src/baselines/dpp-screen.js';

/*
 * The screened CPU paths (float32 SIMD bounds, exact recomputation near the decision) against
 * the plain double-precision kernels, on inputs built to put many decisions within the float32
 * rounding bound: clusters, exact duplicates, near-duplicates (relative 1e-7), zero rows and
 * rows of extreme scale.
 */

function hardScene(rows: number, cols: number, seed: number): Float32Array {
  const next = mulberry32(seed);
  const rand = () => next() / 2 ** 32 - 0.5;
  const centres = Array.from({ length: 6 }, () => Array.from({ length: cols }, rand));
  const x = new Float32Array(rows * cols);
  for (let i = 0; i < rows; i++) {
    const c = centres[i % centres.length];
    for (let k = 0; k < cols; k++) x[i * cols + k] = c[k] + 0.2 * rand();
  }
  for (let i = 10; i < 40; i += 3) x.copyWithin(i * cols, (i - 7) * cols, (i - 6) * cols);
  for (let i = 41; i < 70; i += 3) for (let k = 0; k < cols; k++) x[i * cols + k] = x[(i - 11) * cols + k] * (1 + 1e-7 * rand());
  x.fill(0, 5 * cols, 6 * cols);
  for (let k = 0; k < cols; k++) {
    x[7 * cols + k] *= 1e-25;
    x[8 * cols + k] *= 1e22;
  }
  return x;
}

describe('DivPrune: the lazy greedy equals the eager double-precision max–min greedy', () => {
  it.each([[8, 120, 40], [64, 300, 80], [257, 200, 120], [1024, 150, 60]])('D %i, N %i, keep %i', async (cols, rows, keep) => {
    const data = hardScene(rows, cols, cols + rows);
    const s = await getMethod('divprune').select({ features: { rows, cols, data } }, keep, {});
    const order = s.order as number[];
    const norms = rowNorms64(data, rows, cols);
    const selected = new Uint8Array(rows);
    const want = [order[0]];
    selected[order[0]] = 1;
    let minDist: Float64Array = new Float64Array(rows).fill(Infinity);
    while (want.length < keep) {
      minDist = cpuMaxMinUpdate({ x: data, rows, cols, norms, j: want[want.length - 1], minDist });
      let j = -1;
      for (let i = 0; i < rows; i++) if (!selected[i] && (j < 0 || minDist[i] > minDist[j])) j = i;
      want.push(j);
      selected[j] = 1;
    }
    expect(order).toEqual(want);
    expect(s.timings.dots).toBeGreaterThan(0);
    expect(s.timings.dots).toBeLessThanOrEqual((keep - 1) * rows);
  });
});

describe.each([['one thread', false], ['a helper thread sharing the build', true]])('NeighbourLists on %s: screened build and refreshes give the exact maxima', (_, helped) => {
  let helperGroups = 0;
  it.each([[64, 400, 8], [300, 250, 4], [48, 900, 16], [33, 600, 8]])('D %i, N %i, lists of %i', (cols, rows, k) => {
    const data = hardScene(rows, cols, 7 * cols + rows);
    const norms = rowNorms64(data, rows, cols);
    const lists = new NeighbourLists(data, rows, cols, norms, k, helped ? helperWorker.thread : undefined);
    const next = mulberry32(cols);
    let residual = Int32Array.from({ length: rows }, (_, i) => i).filter((i) => i % 7 !== 3);
    lists.build(residual);
    const exact = (a: number, b: number) => cosineFromDot(pairDot(data, cols, a, b), norms[a], norms[b]);
    while (residual.length > 40) {
      const a = residual.filter((_, i) => i % 2 === 0);
      const b = residual.filter((_, i) => i % 2 === 1);
      const got = lists.maxAgainst(a, b, residual);
      a.forEach((q, i) => expect(got[i]).toBe(Math.max(...Array.from(b, (c) => (c === q ? -Infinity : exact(q, c))))));
      residual = residual.filter(() => next() % 5 !== 0);
    }
    expect(lists.refreshes).toBeGreaterThan(0);
    if (!helped) expect(lists.helperGroups).toBe(0);
    helperGroups += lists.helperGroups;
  });

  if (helped)
    it('the helper thread computed part of the builds', () => {
      // a loaded machine may not schedule the helper during the builds above: build the largest until it has
      const [cols, rows] = [48, 900];
      const data = hardScene(rows, cols, 7 * cols + rows);
      const norms = rowNorms64(data, rows, cols);
      const all = Int32Array.from({ length: rows }, (_, i) => i);
      for (let k = 0; k < 20 && helperGroups === 0; k++) {
        const lists = new NeighbourLists(data, rows, cols, norms, 16, helperWorker.thread);
        lists.build(all);
        helperGroups += lists.helperGroups;
      }
      expect(helperGroups).toBeGreaterThan(0);
    });
});

describe('DivPrune first pick: screened scan equals the exact scan', () => {
  it.each([[64, 300], [257, 200], [1024, 150]])('D %i, N %i', (cols, rows) => {
    for (const variant of [0, 1, 2]) {
      const data = hardScene(rows, cols, 3 * cols + rows + variant);
      if (variant > 0) data.fill(0, 7 * cols, 9 * cols); // no extreme rows: the screened scan runs
      if (variant === 2) for (let i = 0; i < rows; i += 2) data.copyWithin(i * cols, (i + 1) * cols, (i + 2) * cols); // every row has a twin
      const norms = rowNorms64(data, rows, cols);
      const store = storeFor(data, cols)!;
      const screened = farthestRowScreened(store, rows, cols, norms);
      if (variant === 0) expect(screened).toBeUndefined();
      else expect(screened).toEqual(farthestRow(data, rows, cols, norms));
    }
  });
});

/** A real helper thread (the worker source every host runs), started before the tests that use it. */
const helperWorker: { worker?: Worker; thread?: HelperThread; screens: number } = { screens: 0 };
beforeAll(async () => {
  const worker = new Worker(helperWorkerSource(), { eval: true });
  await once(worker, 'online');
  helperWorker.worker = worker;
  helperWorker.thread = { post: (m) => worker.postMessage(m) };
});
afterAll(() => helperWorker.worker?.terminate());

describe.each([
  ['its size rule', false, false],
  ['the float32 screen forced on', true, false],
  ['the float32 screen forced on and a helper thread', true, true],
])('CDPruner with %s: the lazy greedy equals the eager dppUpdate greedy', (_, forced, helped) => {
  it.each([[3, 90, 50], [8, 120, 40], [13, 100, 60], [64, 300, 80], [257, 200, 120], [1023, 120, 50], [1024, 150, 60], [320, 700, 300], [256, 1200, 150], [64, 3000, 300]])('D %i, N %i, keep %i', async (cols, rows, keep) => {
    const data = hardScene(rows, cols, 3 * cols + rows);
    const worthwhile = forced ? vi.spyOn(DppScreen, 'worthwhile').mockReturnValue(true) : undefined;
    const s = await getMethod('cdpruner')
      .select({ features: { rows, cols, data } }, keep, { text: false }, { helper: helped ? helperWorker.thread : undefined })
      .finally(() => worthwhile?.mockRestore());
    // with a helper, its screens may be all there are (the greedy took its bounds)
    if (forced || DppScreen.worthwhile(rows, cols, keep)) expect(Number(s.timings.screens) + Number(s.timings.helperScreens ?? 0)).toBeGreaterThan(0);
    if (!helped) expect(s.timings.helperScreens ?? 0).toBe(0);
    helperWorker.screens += Number(s.timings.helperScreens ?? 0);
    const norms = rowNorms64(data, rows, cols);
    const relevance = new Float64Array(rows).fill(1);
    let d2: Float64Array = Float64Array.from(norms, (v) => (v > 0 ? 1 : 0));
    const c = new Float64Array(keep * rows);
    const selected = new Uint8Array(rows);
    const want: number[] = [];
    for (let t = 0; t < keep; t++) {
      let j = -1;
      for (let i = 0; i < rows; i++) if (!selected[i] && (j < 0 || d2[i] > d2[j])) j = i;
      if (!(d2[j] > 1e-12)) break;
      want.push(j);
      selected[j] = 1;
      const out = cpuDppUpdate({ x: data, rows, cols, norms, relevance, j, c: c.subarray(0, t * rows), t, d2 });
      c.set(out.subarray(0, rows), t * rows);
      d2 = out.subarray(rows);
    }
    expect((s.order as number[]).slice(0, want.length)).toEqual(want);
    expect(s.filled).toBe(keep - want.length);
  });

  if (helped)
    it('the helper thread took part (its screens lowered bounds the greedy used)', async () => {
      // a loaded machine may not schedule the helper during the short cases above: run the largest until it has
      const [cols, rows, keep] = [64, 3000, 300];
      const data = hardScene(rows, cols, 3 * cols + rows);
      for (let k = 0; k < 20 && helperWorker.screens === 0; k++) {
        const s = await getMethod('cdpruner').select({ features: { rows, cols, data } }, keep, { text: false }, { helper: helperWorker.thread });
        helperWorker.screens += Number(s.timings.helperScreens);
      }
      expect(helperWorker.screens).toBeGreaterThan(0);
    });
});

describe('CDPruner columns: the tiled WebAssembly dots against the scalar double dot', () => {
  it.each([1, 3, 5, 17, 250, 1023])('D %i, runs of 1–9 picks', (cols) => {
    const rows = 30;
    const next = mulberry32(cols);
    const data = Float32Array.from({ length: rows * cols }, () => (next() / 2 ** 32 - 0.5) * 2 ** ((next() % 20) - 10));
    const h = { rows, cols, data };
    const columns = dppColumns(h, rows);
    try {
      const order = Array.from({ length: rows }, (_, k) => (k * 7) % rows);
      order.forEach((j, s) => columns.pick(s, j, 1, 1, 1));
      for (let i = 0; i < rows; i++) {
        const from = i % 20;
        const count = 1 + (i % 9);
        const dots = Array.from(columns.dots(i, order, from, count).subarray(0, count));
        dots.forEach((v, k) => {
          const j = order[from + k];
          let ref = 0;
          let mag = 0;
          for (let c = 0; c < cols; c++) {
            ref += data[i * cols + c] * data[j * cols + c];
            mag += Math.abs(data[i * cols + c] * data[j * cols + c]);
          }
          expect(Math.abs(v - ref)).toBeLessThanOrEqual(1e-12 * mag);
        });
      }
    } finally {
      columns.release();
    }
  });
});

describe('CDPruner columns: row dots with a double vector (the relevance sums)', () => {
  it.each([1, 3, 6, 16, 250, 1023, 1024])('D %i', (cols) => {
    const rows = 23;
    const next = mulberry32(cols + 7);
    const rand = () => next() / 2 ** 32 - 0.5;
    const data = Float32Array.from({ length: rows * cols }, () => rand() * 2 ** ((next() % 16) - 8));
    const w = Float64Array.from({ length: cols }, rand);
    const h = { rows, cols, data };
    const columns = dppColumns(h, 5);
    try {
      const dots = columns.rowDots(w);
      expect(dots).toBeDefined();
      for (let i = 0; i < rows; i++) {
        let ref = 0;
        let mag = 0;
        for (let c = 0; c < cols; c++) {
          ref += data[i * cols + c] * w[c];
          mag += Math.abs(data[i * cols + c] * w[c]);
        }
        expect(Math.abs(dots![i] - ref)).toBeLessThanOrEqual(1e-12 * mag);
      }
    } finally {
      columns.release();
    }
    expect(dppColumns(h, 5, false).rowDots(w)).toBeUndefined();
  });
});

describe('CDPruner columns: row norms (one copy of every row where rows need no padding)', () => {
  it.each([6, 16, 250, 1024])('D %i', (cols) => {
    const rows = 19;
    const next = mulberry32(cols + 11);
    const rand = () => next() / 2 ** 32 - 0.5;
    const data = Float32Array.from({ length: rows * cols }, () => rand() * 2 ** ((next() % 16) - 8));
    data.fill(0, 3 * cols, 4 * cols);
    const h = { rows, cols, data };
    const columns = dppColumns(h, 5);
    try {
      const norms = columns.rowNorms();
      if (cols % 16 !== 0) {
        expect(norms).toBeUndefined();
        return;
      }
      expect(norms).toBeDefined();
      for (let i = 0; i < rows; i++) {
        let ref = 0;
        for (let c = 0; c < cols; c++) ref += data[i * cols + c] * data[i * cols + c];
        expect(Math.abs(norms![i] - Math.sqrt(ref))).toBeLessThanOrEqual(1e-13 * Math.sqrt(ref));
      }
      expect(norms![3]).toBe(0);
      // the rows it loaded serve the exact dots: row 5 with itself as the first pick
      columns.pick(0, 5, 1, 1, norms![5]);
      const self = columns.dots(5, [5], 0, 1)[0];
      expect(Math.abs(self - norms![5] ** 2)).toBeLessThanOrEqual(1e-13 * norms![5] ** 2);
    } finally {
      columns.release();
    }
    expect(dppColumns(h, 5, false).rowNorms()).toBeUndefined();
  });
});

describe('CDPruner columns: the WebAssembly update equals the JavaScript one bit for bit', () => {
  it('random picks and runs of steps', () => {
    const rows = 40;
    const steps = 37;
    const next = mulberry32(5);
    const rand = () => next() / 2 ** 32 - 0.5;
    const h = { rows, cols: 3, data: new Float32Array(rows * 3) };
    const simd = dppColumns(h, steps);
    const js = dppColumns(h, steps, false);
    try {
      const d2 = { simd: new Float64Array(rows).fill(1), js: new Float64Array(rows).fill(1) };
      const fresh = new Int32Array(rows);
      const bringUp = (i: number, to: number) => {
        for (let k = 0; k < to - fresh[i]; k++) simd.lv[k] = js.lv[k] = rand();
        d2.simd[i] = simd.update(i, fresh[i], to - fresh[i], d2.simd[i]);
        d2.js[i] = js.update(i, fresh[i], to - fresh[i], d2.js[i]);
        fresh[i] = to;
      };
      for (let s = 0; s < steps; s++) {
        bringUp(s, s);
        const scale = 0.5 + Math.abs(rand());
        simd.pick(s, s, scale, 1, 1);
        js.pick(s, s, scale, 1, 1);
        for (let i = s + 1; i < rows; i++) if ((i + s) % 3 === 0 || s === steps - 1) bringUp(i, s + 1);
      }
      expect(Array.from(d2.simd)).toEqual(Array.from(d2.js));
      expect(d2.simd.some((v) => v !== 1)).toBe(true);
    } finally {
      simd.release();
      js.release();
    }
  });
});
