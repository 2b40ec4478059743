import {
  InvalidInputError,
  assertTokenInput,
  gridLayout,
  resolveParams,
  tokenCount,
  validateLayout,
  type Layout,
  type Method,
  type MethodParams,
  type ParamSpec,
  type Selection,
  type TokenInput,
} from '@d2pruner/core';
import { checkBudget, iota, selection } from './common.js';

/** `uniform` has no parameters. */
export const UNIFORM_PARAM_SPECS: readonly ParamSpec[] = [];

/** Token index at every (row, col) of every frame; throws unless each frame is a complete grid. */
function frameGrids(layout: Layout): Int32Array[] {
  const cells = layout.frames.reduce((a, f) => a + f.rows * f.cols, 0);
  if (cells !== layout.frame.length) {
    throw new InvalidInputError('layout', `the frames have ${cells} cells for ${layout.frame.length} tokens; uniform needs complete grids`);
  }
  const grids = layout.frames.map((f) => new Int32Array(f.rows * f.cols).fill(-1));
  for (let i = 0; i < layout.frame.length; i++) {
    const f = layout.frame[i];
    const cell = layout.row[i] * layout.frames[f].cols + layout.col[i];
    if (grids[f][cell] >= 0) {
      throw new InvalidInputError('layout', `tokens ${grids[f][cell]} and ${i} share frame ${f}, row ${layout.row[i]}, col ${layout.col[i]}; uniform needs complete grids`);
    }
    grids[f][cell] = i;
  }
  grids.forEach((g, f) => {
    const hole = g.indexOf(-1);
    if (hole >= 0) {
      const { cols } = layout.frames[f];
      throw new InvalidInputError('layout', `frame ${f} has no token at row ${Math.floor(hole / cols)}, col ${hole % cols}; uniform needs complete grids`);
    }
  });
  return grids;
}

/** Largest-remainder split of n over frames of sizes `sizes` (total `total`), ties → lower frame. */
export function splitBudget(n: number, sizes: readonly number[], total: number): number[] {
  const out = sizes.map((s) => Math.floor((n * s) / total));
  const left = n - out.reduce((a, b) => a + b, 0);
  const byRemainder = sizes.map((_, f) => f).sort((a, b) => ((n * sizes[b]) % total) - ((n * sizes[a]) % total) || a - b);
  for (let i = 0; i < left; i++) out[byRemainder[i]]++;
  return out;
}

/** The (row, col) points of one R×C frame for k > 0 samples (docs/baselines.md §8 step 2). */
export function framePoints(rows: number, cols: number, k: number): [number, number][] {
  const lo = Math.ceil(k / cols);
  const hi = Math.min(rows, k);
  let g = lo;
  let bestErr = Infinity;
  for (let cand = lo; cand <= hi; cand++) {
    const err = Math.abs(cand * cand * cols - k * rows);
    if (err < bestErr) {
      bestErr = err;
      g = cand;
    }
  }
  const points: [number, number][] = [];
  for (let i = 0; i < g; i++) {
    const qi = Math.floor(((i + 1) * k) / g) - Math.floor((i * k) / g);
    const y = Math.floor(((2 * i + 1) * rows) / (2 * g));
    for (let j = 0; j < qi; j++) points.push([y, Math.floor(((2 * j + 1) * cols) / (2 * qi))]);
  }
  return points;
}

/**
 * `uniform` (alias `window`, docs/baselines.md §8): evenly spaced tokens on the layout grid, centred,
 * exactly n of them. The budget is split over frames by largest remainder; each frame gets g
 * rows of samples (g ≈ √(k·R/C)) with the samples spread evenly along each row. All arithmetic
 * is integer. Without a layout the tokens form one 1×N frame. Diagnostic `perFrame`: tokens
 * per frame (the frame sizes when n ≥ N). Our own definition (no official code).
 */
export function uniform(input: TokenInput, budget: number, params: MethodParams = {}): Selection {
  const t0 = performance.now();
  checkBudget(budget);
  resolveParams('uniform', UNIFORM_PARAM_SPECS, params);
  assertTokenInput(input);
  let layout = input.layout;
  // an untyped layout without `frame` is reported by validateLayout, not read here first
  if (layout) validateLayout(layout, (layout as Partial<Layout>).frame?.length ?? 0);
  else layout = gridLayout(1, tokenCount(input));
  const n = layout.frame.length;
  const grids = frameGrids(layout);
  const sizes = layout.frames.map((f) => f.rows * f.cols);
  if (budget >= n) return selection('uniform', n, budget, iota(n), { perFrame: sizes }, 'cpu', t0);
  const perFrame = budget === 0 ? sizes.map(() => 0) : splitBudget(budget, sizes, n);
  const keep: number[] = [];
  perFrame.forEach((k, f) => {
    if (k === 0) return;
    const { rows, cols } = layout.frames[f];
    for (const [y, x] of framePoints(rows, cols, k)) keep.push(grids[f][y * cols + x]);
  });
  keep.sort((a, b) => a - b);
  return selection('uniform', n, budget, keep, { perFrame }, 'cpu', t0);
}

/** `uniform` behind the {@link Method} interface. */
export const uniformMethod: Method = {
  name: 'uniform',
  aliases: ['window'],
  description: 'uniform: evenly spaced tokens on the layout grid, centred, exactly n (docs/baselines.md §8)',
  requires: [],
  optional: [],
  needsLayout: false,
  params: UNIFORM_PARAM_SPECS,
  select: async (input, budget, params) => uniform(input, budget, params),
};
