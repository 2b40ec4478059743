import { describe, expect, it } from 'vitest';
import { dotInstance, f32TileDotBound, releaseDotInstance, rowNorms64, SIMD_ROW_ALIGN } from '@d2pruner/kernels';
import { mulberry32 } from '../src/index.js';
import { dppColumns } from '../src/baselines/dpp-columns.js';
import { DppScreen } from '../src/baselines/dpp-screen.js';
import { LazyGreedyDpp } from '../src/baselines/lazy-dpp.js';
import { LazyMaxHeap } from '../src/baselines/lazy-max-heap.js';

/*
 * CDPruner's float32 screen (DppScreen): its bound against the exact Cholesky columns of the
 * written-out greedy, its refusals, and the lazy greedy with and without it.
 */

/** Rows in 5 clusters (cos ≈ 0.8 within one), some scaled, with relevance in (0.2, 1.2]. */
function clustered(rows: number, cols: number, seed: number) {
  const next = mulberry32(seed);
  const rand = () => next() / 2 ** 32 - 0.5;
  const centres = Array.from({ length: 5 }, () => Array.from({ length: cols }, rand));
  const data = new Float32Array(rows * cols);
  for (let i = 0; i < rows; i++) {
    const scale = i % 7 === 0 ? 1e3 : i % 11 === 0 ? 1e-3 : 1;
    for (let k = 0; k < cols; k++) data[i * cols + k] = scale * (centres[i % 5][k] + 0.5 * rand());
  }
  const r = Float64Array.from({ length: rows }, () => 0.7 + rand());
  return { h: { rows, cols, data }, r };
}

/** The greedy of docs/baselines.md §7 step 3 written out in double: picks, scales and columns e_s[i]. */
function eagerGreedy(h: { rows: number; cols: number; data: Float32Array }, r: Float64Array, steps: number) {
  const { rows, cols, data } = h;
  const norms = rowNorms64(data, rows, cols);
  const dot = (i: number, j: number) => {
    let s = 0;
    for (let k = 0; k < cols; k++) s += data[i * cols + k] * data[j * cols + k];
    return s;
  };
  const d2 = Float64Array.from(r, (v) => v * v);
  const e: Float64Array[] = [];
  const picks: number[] = [];
  const scales: number[] = [];
  const taken = new Uint8Array(rows);
  for (let s = 0; s < steps; s++) {
    let j = -1;
    for (let i = 0; i < rows; i++) if (!taken[i] && (j < 0 || d2[i] > d2[j])) j = i;
    taken[j] = 1;
    picks.push(j);
    scales.push(Math.sqrt(d2[j]));
    const col = new Float64Array(rows);
    for (let i = 0; i < rows; i++) {
      const l = i === j ? r[i] * r[i] : (r[i] * r[j] * dot(i, j)) / (norms[i] * norms[j]);
      let p = 0;
      for (let q = 0; q < s; q++) p += e[q][j] * e[q][i];
      col[i] = (l - p) / scales[s];
    }
    e.push(col);
    for (let i = 0; i < rows; i++) d2[i] -= col[i] * col[i];
  }
  return { norms, picks, scales, e };
}

/** A screen in a fresh instance with the token rows loaded: regions laid out one after another. */
function screenFor(h: { rows: number; cols: number; data: Float32Array }, steps: number) {
  const wasm = dotInstance();
  if (!wasm) throw new Error('WebAssembly SIMD is expected on Node 20');
  const stride = Math.ceil(h.cols / SIMD_ROW_ALIGN) * SIMD_ROW_ALIGN;
  const basisF64 = 0;
  const basisF32 = basisF64 + steps * stride * 8;
  const out = basisF32 + steps * stride * 4;
  const rowsAt = out + 2 * steps * 4;
  const pickAt = rowsAt + h.rows * stride * 4;
  const colAt = pickAt + stride * 8;
  const bytes = colAt + steps * 8;
  if (wasm.mem.buffer.byteLength < bytes) wasm.mem.grow(Math.ceil((bytes - wasm.mem.buffer.byteLength) / 65536));
  const rows = new Float32Array(wasm.mem.buffer, rowsAt, h.rows * stride);
  for (let i = 0; i < h.rows; i++) rows.set(h.data.subarray(i * h.cols, (i + 1) * h.cols), i * stride);
  const screen = new DppScreen(wasm, { basisF64, basisF32, out }, steps, stride);
  /** Adds pick j's basis row from its double row and column. */
  const add = (s: number, j: number, column: ArrayLike<number>, scale: number, r: number, norm: number) => {
    const pick = new Float64Array(wasm.mem.buffer, pickAt, stride).fill(0);
    for (let k = 0; k < h.cols; k++) pick[k] = h.data[j * h.cols + k];
    new Float64Array(wasm.mem.buffer, colAt, steps).set(Array.from(column).slice(0, s));
    screen.add(s, pickAt, r / norm, colAt, scale, scale / r);
  };
  const rowAt = (i: number) => rowsAt + i * stride * 4;
  return { screen, add, rowAt, stride, release: () => releaseDotInstance(wasm) };
}

describe('DppScreen: a lower bound of the exact fall of d², and a tight one', () => {
  it.each([[5, 60, 4], [13, 60, 10], [64, 120, 40], [250, 90, 40], [1023, 80, 30]])('D %i, N %i, %i steps', (cols, rowCount, steps) => {
    const { h, r } = clustered(rowCount, cols, cols + rowCount);
    const { norms, picks, scales, e } = eagerGreedy(h, r, steps);
    const t = screenFor(h, steps);
    try {
      picks.forEach((j, s) => t.add(s, j, e.slice(0, s).map((col) => col[j]), scales[s], r[j], norms[j]));
      expect(t.screen.limit).toBe(steps);
      const eta = f32TileDotBound(t.stride) + 2 ** -23 + 1e-6;
      let checked = 0;
      for (let i = 0; i < rowCount; i++) {
        if (picks.includes(i)) continue;
        const from = (i * 5) % steps;
        const count = Math.min(steps - from, 1 + (i % 17));
        let exact = 0;
        for (let s = from; s < from + count; s++) exact += (e[s][i] / r[i]) ** 2;
        const fall = t.screen.fall(t.rowAt(i), 1 / norms[i], from, count);
        expect(fall).toBeLessThanOrEqual(exact * (1 + 1e-9) + 1e-15);
        expect(exact - fall).toBeLessThanOrEqual(2 * eta * Math.sqrt(count * exact) + 1e-12);
        // the same token paired with another (pair kernels), in both slots
        const k = (i + 1) % rowCount;
        const [first, second] = t.screen.fallPair(t.rowAt(i), t.rowAt(k), 1 / norms[i], 1 / norms[k], from, count);
        const alone = t.screen.fall(t.rowAt(k), 1 / norms[k], from, count);
        const [swapped] = t.screen.fallPair(t.rowAt(k), t.rowAt(i), 1 / norms[k], 1 / norms[i], from, count);
        expect(first).toBeLessThanOrEqual(exact * (1 + 1e-9) + 1e-15);
        expect(exact - first).toBeLessThanOrEqual(2 * eta * Math.sqrt(count * exact) + 1e-12);
        if (count % 4 === 0) expect([first, second]).toEqual([fall, alone]);
        expect(swapped).toBe(second);
        checked++;
      }
      expect(checked).toBeGreaterThan(rowCount / 2);
    } finally {
      t.release();
    }
  });

  it('refuses a nearly dependent pick and a row that is not orthonormal, and stays limited', () => {
    const { h, r } = clustered(40, 32, 9);
    const { norms, picks, scales, e } = eagerGreedy(h, r, 6);
    const t = screenFor(h, 6);
    try {
      const add = (s: number, scale = scales[s], column = e.slice(0, s).map((col) => col[picks[s]])) => t.add(s, picks[s], column, scale, r[picks[s]], norms[picks[s]]);
      add(0);
      add(1);
      expect(t.screen.limit).toBe(2);
      add(2, 1e-4 * r[picks[2]]);
      expect(t.screen.limit).toBe(2);
      add(2, scales[2], e.slice(0, 2).map((col) => col[picks[2]] * 1.01));
      expect(t.screen.limit).toBe(2);
      add(2);
      expect(t.screen.limit).toBe(3);
      add(4);
      expect(t.screen.limit).toBe(3);
    } finally {
      t.release();
    }
  });

  it('is used where it pays: many tokens never picked, below the rank', () => {
    expect(DppScreen.worthwhile(3328, 1024, 333)).toBe(true);
    expect(DppScreen.worthwhile(3328, 1024, 700)).toBe(false);
    expect(DppScreen.worthwhile(576, 4096, 64)).toBe(false);
    expect(DppScreen.worthwhile(20000, 1024, 1024)).toBe(false);
    expect(DppScreen.worthwhile(20000, 1024, 1023)).toBe(true);
  });

  it('screens only rows whose float32 products stay in range', () => {
    expect(DppScreen.screenable(1)).toBe(true);
    expect(DppScreen.screenable(1e-31)).toBe(false);
    expect(DppScreen.screenable(1e37)).toBe(false);
    expect(DppScreen.screenable(0)).toBe(false);
  });
});

describe('LazyGreedyDpp: the same picks with and without the float32 screen', () => {
  it.each([[64, 400, 40], [250, 300, 150], [1024, 200, 60]])('D %i, N %i, keep %i', (cols, rows, keep) => {
    const { h, r } = clustered(rows, cols, 2 * cols + rows);
    const norms = rowNorms64(h.data, rows, cols);
    const run = (screen: boolean) => {
      const columns = dppColumns(h, keep, true, screen);
      try {
        const d2 = Float64Array.from(r, (v) => v * v);
        const lazy = new LazyGreedyDpp(columns, norms, r, d2);
        const order: number[] = [];
        while (order.length < keep) {
          const j = lazy.next(order, 1e-12);
          if (j < 0) break;
          order.push(j);
        }
        return { order, dots: lazy.dotCount, screens: lazy.screens, limit: columns.screenLimit };
      } finally {
        columns.release();
      }
    };
    const plain = run(false);
    const screened = run(true);
    expect(plain.screens).toBe(0);
    expect(screened.order).toEqual(plain.order);
    expect(screened.order.length).toBe(keep);
    expect(screened.screens).toBeGreaterThan(0);
    expect(screened.limit).toBeGreaterThan(keep / 2);
    expect(screened.dots).toBeLessThan(plain.dots);
  });
});

describe('LazyMaxHeap: the runner-up', () => {
  it('is the largest key after the top (ties → lower index), and both can be lowered', () => {
    const next = mulberry32(4);
    const keys = Float64Array.from({ length: 50 }, () => (next() % 8) / 8);
    const heap = new LazyMaxHeap(keys, Array.from({ length: 50 }, (_, i) => i));
    const ranked = () => Array.from({ length: 50 }, (_, i) => i).sort((a, b) => keys[b] - keys[a] || a - b);
    for (let round = 0; round < 40; round++) {
      const want = ranked();
      expect(heap.top()).toBe(want[0]);
      expect(heap.runnerUp()).toBe(want[1]);
      keys[want[1]] -= (next() % 5) / 8;
      keys[want[0]] -= (next() % 5) / 8;
      heap.loweredRunnerUp();
      heap.lowered();
    }
    const single = new LazyMaxHeap(new Float64Array(1), [0]);
    expect(single.runnerUp()).toBe(-1);
  });
});
