import {
  resolveParams,
  type Matrix,
  type Method,
  type MethodContextBase,
  type MethodParams,
  type ParamSpec,
  type Selection,
  type TokenInput,
} from '@d2pruner/core';
import { rowNorms64 } from '@d2pruner/kernels';
import { rankOrder } from '@d2pruner/scoring';
import { argmaxUnselected, checkAborted, checkBudget, checkFiniteMatrix, checkSameCols, ensure, iota, optionalMatrix, releasingStores, requireMatrix, selection, sortedIndices } from './common.js';
import { KernelDispatch } from './dispatch.js';
import { dppColumns, type DppColumns } from './dpp-columns.js';
import { DppScreen } from './dpp-screen.js';
import { LazyGreedyDpp } from './lazy-dpp.js';

/** CDPruner parameters (docs/baselines.md §7, §10.3). */
export interface CdPrunerParams {
  /** σ ∈ {−1, +1}: sign of the text relevance. Default −1 (official, CLIP in LLaVA). */
  relevanceSign: number;
  /** θ ∈ [0, 1): r ← exp(θ/(2(1−θ))·r). Default off. */
  theta?: number;
  /** `features`: E = features, T = textFeatures; `embeds`: E = imageEmbeds, T = textEmbeds. */
  relevance: 'features' | 'embeds';
  /** Use text relevance; false ⇒ r ≡ 1. Default true. */
  text: boolean;
  /** Greedy stops when d² ≤ exhaustTol · max L_ii. Default 1e-12. */
  exhaustTol: number;
}

/** Parameter specs of CDPruner with the defaults of docs/baselines.md §10.3. */
export const CDPRUNER_PARAM_SPECS: readonly ParamSpec[] = [
  { name: 'relevanceSign', type: 'number', default: -1, min: -1, max: 1, description: 'sign of the text relevance: −1 (official for CLIP in LLaVA) or +1' },
  { name: 'theta', type: 'number', min: 0, max: 1, defaultNote: 'off (example 0.5)', description: 'relevance re-weighting r ← exp(θ/(2(1−θ))·r), θ in [0, 1)' },
  {
    name: 'relevance',
    type: 'string',
    default: 'features',
    enum: ['features', 'embeds'],
    description: 'relevance space: features vs textFeatures, or imageEmbeds vs textEmbeds (official CLIP path)',
  },
  { name: 'text', type: 'boolean', default: true, description: 'use text relevance (false: r ≡ 1)' },
  { name: 'exhaustTol', type: 'number', default: 1e-12, min: 0, description: 'stop the greedy when d² ≤ exhaustTol · max L_ii' },
];

/** Σ_m unit(T_m) in double (zero rows add nothing). */
function unitSum(t: Float32Array, rows: number, d: number, norms: Float64Array): Float64Array {
  const w = new Float64Array(d);
  for (let m = 0; m < rows; m++) {
    if (!(norms[m] > 0)) continue;
    for (let k = 0; k < d; k++) w[k] += t[m * d + k] / norms[m];
  }
  return w;
}

/**
 * Σ_m cos(E_i, T_m) for every row i as unit(E_i) · Σ_m unit(T_m): one double dot per row
 * instead of M (the same sum, re-associated; docs/baselines.md §1.6 allows any double order).
 */
function cosineSums(e: Float32Array, n: number, d: number, norms: Float64Array, w: Float64Array): Float64Array {
  const sums = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    if (!(norms[i] > 0)) continue;
    const base = i * d;
    let s0 = 0;
    let s1 = 0;
    let s2 = 0;
    let s3 = 0;
    let k = 0;
    for (; k + 3 < d; k += 4) {
      s0 += e[base + k] * w[k];
      s1 += e[base + k + 1] * w[k + 1];
      s2 += e[base + k + 2] * w[k + 2];
      s3 += e[base + k + 3] * w[k + 3];
    }
    for (; k < d; k++) s0 += e[base + k] * w[k];
    sums[i] = (s0 + s1 + (s2 + s3)) / norms[i];
  }
  return sums;
}

/** dots[i] / norms[i] in place (0 for a zero row): Σ_m cos(E_i, T_m) from the dots with Σ_m unit(T_m). */
function unitDots(dots: Float64Array, norms: Float64Array): Float64Array {
  for (let i = 0; i < dots.length; i++) dots[i] = norms[i] > 0 ? dots[i] / norms[i] : 0;
  return dots;
}

/**
 * The relevance vector r of step 1 (double). With `columns` (of h) the dots of E = h with
 * Σ_m unit(T_m) run in their WebAssembly kernel.
 */
function relevance(e: Matrix | undefined, t: Matrix | undefined, n: number, p: CdPrunerParams, h: Matrix, hNorms: Float64Array, columns?: DppColumns): Float64Array {
  const r = new Float64Array(n).fill(1);
  if (!e || !t || t.rows === 0) return r;
  const d = e.cols;
  const en = e === h ? hNorms : rowNorms64(e.data, e.rows, d);
  const tn = rowNorms64(t.data, t.rows, d);
  const raw = new Float64Array(n);
  const w = unitSum(t.data, t.rows, d, tn);
  const dots = e === h ? columns?.rowDots(w) : undefined;
  const sums = dots ? unitDots(dots, en) : cosineSums(e.data, n, d, en, w);
  let lo = Infinity;
  let hi = -Infinity;
  for (let i = 0; i < n; i++) {
    raw[i] = p.relevanceSign * (sums[i] / t.rows);
    if (raw[i] < lo) lo = raw[i];
    if (raw[i] > hi) hi = raw[i];
  }
  if (hi > lo) for (let i = 0; i < n; i++) r[i] = (raw[i] - lo + 1e-6) / (hi - lo);
  if (p.theta !== undefined) {
    const alpha = p.theta / (2 * (1 - p.theta));
    for (let i = 0; i < n; i++) r[i] = Math.exp(alpha * r[i]);
  }
  return r;
}

/** Greedy MAP on the CPU, lazily: picks into `order` / `selected` until the budget or d² ≤ τ; returns the diagnostics. */
function lazyGreedy(lazy: LazyGreedyDpp, order: number[], selected: Uint8Array, budget: number, tau: number, signal?: AbortSignal): Record<string, number> {
  while (order.length < budget) {
    checkAborted(signal);
    const j = lazy.next(order, tau);
    if (j < 0) break;
    selected[j] = 1;
    order.push(j);
  }
  return { refreshes: lazy.refreshes, screens: lazy.screens, helperScreens: lazy.helperScreens, dots: lazy.dotCount };
}

/** Greedy MAP on a named backend, one `dppUpdate` per step over all tokens. */
async function eagerGreedy(
  dispatch: KernelDispatch,
  kernel: { x: Float32Array; rows: number; cols: number; norms: Float64Array; relevance: Float64Array },
  d2: Float64Array,
  order: number[],
  selected: Uint8Array,
  budget: number,
  tau: number,
  signal?: AbortSignal,
): Promise<void> {
  const n = kernel.rows;
  const c = new Float64Array(budget * n);
  for (let step = 0; step < budget; step++) {
    checkAborted(signal);
    const [j, best] = argmaxUnselected(d2, selected);
    if (!(best > tau)) break;
    selected[j] = 1;
    order.push(j);
    if (order.length === budget) break;
    const out = await dispatch.run('dppUpdate', { ...kernel, j, c: c.subarray(0, step * n), t: step, d2 });
    c.set(out.subarray(0, n), step * n);
    d2 = out.subarray(n);
  }
}

/**
 * CDPruner (docs/baselines.md §7, `Theia-4869/CDPruner`): conditional DPP with kernel
 * L = diag(r)·S·diag(r), S = cosine similarity of the features, r = min–max-normalised text
 * relevance; greedy MAP (Chen et al. 2018), on the CPU lazily (`LazyGreedyDpp`: only
 * tokens that can still be the argmax are brought up to date), on a named GPU backend via the
 * `dppUpdate` kernel, O(n·N·(D + n)); no N×N matrix. Diagnostics: `order` (selection order, fills included) and `filled`.
 *
 * Deviations: **[DEV-CDPruner-diag]** S_ii = 1 exactly (0 for a zero row);
 * **[DEV-CDPruner-exhaust]** the greedy stops once max d² ≤ exhaustTol·max L_ii and the budget
 * is filled by relevance rank (the official takes √ of ≤ 0 and returns fewer distinct tokens);
 * **[DEV-CDPruner-flat]** r ≡ 1 when the relevance is constant; **[DEV-CDPruner-notext]** r ≡ 1
 * when no text tensor is given (or `text: false`); **[DEV-zero]**; **[DEV-ties]**.
 * `relevance: 'embeds'` needs `imageEmbeds`; its text side `textEmbeds` is optional like
 * `textFeatures` (absent ⇒ r ≡ 1).
 */
export async function cdpruner(input: TokenInput, budget: number, raw: MethodParams = {}, context: MethodContextBase = {}): Promise<Selection> {
  const t0 = performance.now();
  checkBudget(budget);
  const p = resolveParams<CdPrunerParams>('cdpruner', CDPRUNER_PARAM_SPECS, raw);
  ensure(p.relevanceSign === 1 || p.relevanceSign === -1, 'relevanceSign', `relevanceSign must be −1 or +1, got ${p.relevanceSign}`);
  ensure(p.theta === undefined || p.theta < 1, 'theta', `theta must lie in [0, 1), got ${String(p.theta)}`);
  const h = requireMatrix(input, 'features', 'cdpruner');
  const n = h.rows;
  let e: Matrix | undefined;
  let t: Matrix | undefined;
  if (p.text) {
    if (p.relevance === 'embeds') {
      e = requireMatrix(input, 'imageEmbeds', "cdpruner with relevance 'embeds'", n);
      t = optionalMatrix(input, 'textEmbeds');
      if (t) checkSameCols('textEmbeds', t, e.cols, 'imageEmbeds');
    } else {
      e = h;
      t = optionalMatrix(input, 'textFeatures');
      if (t) checkSameCols('textFeatures', t, h.cols, 'features');
    }
  }
  checkFiniteMatrix('features', h);
  if (e && e !== h) checkFiniteMatrix('imageEmbeds', e);
  if (t) checkFiniteMatrix(p.relevance === 'embeds' ? 'textEmbeds' : 'textFeatures', t);
  if (budget >= n) return selection('cdpruner', n, budget, iota(n), { order: iota(n), filled: 0 }, 'cpu', t0);
  if (budget === 0) return selection('cdpruner', n, budget, [], { order: [], filled: 0 }, 'cpu', t0);

  const dispatch = new KernelDispatch(context.backend);
  const screen = DppScreen.worthwhile(n, h.cols, budget);
  const columns = (await dispatch.cpuOnly()) ? dppColumns(h, budget, true, screen, screen ? context.helper : undefined) : undefined;
  try {
    const norms = columns?.rowNorms() ?? rowNorms64(h.data, n, h.cols);
    const r = relevance(e, t, n, p, h, norms, columns);
    const t1 = performance.now();
    const d2 = new Float64Array(n);
    let maxL = 0;
    for (let i = 0; i < n; i++) {
      d2[i] = norms[i] > 0 ? r[i] * r[i] : 0;
      if (d2[i] > maxL) maxL = d2[i];
    }
    const tau = p.exhaustTol * maxL;
    const selected = new Uint8Array(n);
    const order: number[] = [];
    const stats = columns ? lazyGreedy(new LazyGreedyDpp(columns, norms, r, d2), order, selected, budget, tau, context.signal) : {};
    if (columns) dispatch.noteCpu();
    else await eagerGreedy(dispatch, { x: h.data, rows: n, cols: h.cols, norms, relevance: r }, d2, order, selected, budget, tau, context.signal);
    const greedy = order.length;
    if (greedy < budget) {
      for (const i of rankOrder(r)) {
        if (order.length === budget) break;
        if (!selected[i]) {
          selected[i] = 1;
          order.push(i);
        }
      }
    }
    const t2 = performance.now();
    return selection('cdpruner', n, budget, sortedIndices(order), { order, filled: budget - greedy }, dispatch.backend, t0, {
      relevanceMs: t1 - t0,
      greedyMs: t2 - t1,
      ...stats,
    });
  } finally {
    columns?.release();
  }
}

/** CDPruner behind the {@link Method} interface. */
export const cdprunerMethod: Method = {
  name: 'cdpruner',
  description: 'CDPruner: conditional DPP (relevance × feature similarity), greedy MAP (docs/baselines.md §7)',
  requires: ['features'],
  optional: ['textFeatures', 'imageEmbeds', 'textEmbeds'],
  needsLayout: false,
  params: CDPRUNER_PARAM_SPECS,
  select: (input, budget, params, context) => releasingStores(input, () => cdpruner(input, budget, params, context)),
};
