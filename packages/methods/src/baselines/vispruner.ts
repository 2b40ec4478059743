import {
  assertFinite,
  resolveParams,
  type HelperThread,
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
import { checkAborted, checkBudget, checkFiniteMatrix, iota, releasingStores, requireMatrix, requireVector, selection, sortedIndices } from './common.js';
import { KernelDispatch } from './dispatch.js';
import { NeighbourLists } from './neighbour-lists.js';

/** VisPruner parameters (docs/baselines.md §5, §10.3). */
export interface VisPrunerParams {
  /** ρ in [0, 1]: n_imp = min(n, ⌊n·ρ⌋) important tokens. Default 0.5. */
  importantRatio: number;
  /** δ ≥ 1: at most this many tokens dropped per de-duplication pass. Default 8. */
  dropPerStep: number;
  /** With n_div = 0 (ρ = 1): keep exactly the n important tokens instead of all N (docs/baselines.md §11.2). Default false. */
  exactBudget: boolean;
}

/** Parameter specs of VisPruner with the defaults of docs/baselines.md §10.3. */
export const VISPRUNER_PARAM_SPECS: readonly ParamSpec[] = [
  { name: 'importantRatio', type: 'number', default: 0.5, min: 0, max: 1, description: 'fraction of the budget taken by CLS attention' },
  { name: 'dropPerStep', type: 'integer', default: 8, min: 1, description: 'tokens dropped per de-duplication pass (official constant 8)' },
  { name: 'exactBudget', type: 'boolean', default: false, description: 'when n_div = 0 (importantRatio 1), keep exactly the n important tokens (default false keeps all N, as the reference vectors do; docs/baselines.md §11.2)' },
];

/**
 * VisPruner (docs/baselines.md §5, `Theia-4869/VisPruner`): n_imp important tokens by CLS attention,
 * then iterative de-duplication of the rest in rank order: split into even / odd positions A / B,
 * drop the (up to δ) members of A most similar to B, continue with A′ (in score order) followed
 * by B, until n_div = n − n_imp remain. The per-pass max-similarities come from neighbour lists
 * built once over the residual on the CPU (no N×N matrix), or from the `maxSimilarity` kernel
 * on a named GPU backend. Diagnostics: `important` (sorted) and `steps` (passes that dropped).
 *
 * Deviations: **[DEV-VisPruner-odd]** each pass drops min(r, ⌈R/2⌉) for any R (the official
 * crashes for odd R or r > ⌊R/2⌋ + 1 and drops one extra token when R = 2r + 1);
 * **[DEV-zero]** cosine with a zero row is 0; **[DEV-ties]** ties → lower index / position.
 * **n_div = 0** (e.g. ρ = 1, 0 < n < N): by default we follow §5 literally, as the reference
 * vectors do: step 4 ("while n_div > 0") never runs, so keep = Important ∪ Q = all N tokens.
 * That contradicts §1.5 ("exactly min(n, N)") and step 5's note; pass `exactBudget: true` to
 * keep exactly the n important tokens instead. (The official `while True` loop would go on
 * pruning the residual until it fails.)
 */
export async function vispruner(input: TokenInput, budget: number, raw: MethodParams = {}, context: MethodContextBase = {}): Promise<Selection> {
  const t0 = performance.now();
  checkBudget(budget);
  const p = resolveParams<VisPrunerParams>('vispruner', VISPRUNER_PARAM_SPECS, raw);
  const h = requireMatrix(input, 'features', 'vispruner');
  const n = h.rows;
  const c = requireVector(input, 'clsAttention', 'vispruner', n);
  checkFiniteMatrix('features', h);
  assertFinite('clsAttention', c);
  if (budget >= n) return selection('vispruner', n, budget, iota(n), { important: iota(n), steps: 0 }, 'cpu', t0);
  if (budget === 0) return selection('vispruner', n, budget, [], { important: [], steps: 0 }, 'cpu', t0);

  const nImp = Math.min(budget, Math.floor(budget * p.importantRatio));
  const ranked = rankOrder(c);
  const important = ranked.slice(0, nImp);
  const dispatch = new KernelDispatch(context.backend);
  const dedup = nImp < budget ? await deduplicate(h, ranked.slice(nImp), budget - nImp, p.dropPerStep, dispatch, context.signal, context.helper) : undefined;
  const residual = dedup?.residual ?? (p.exactBudget ? [] : ranked.slice(nImp));
  const keep = sortedIndices([...important, ...residual]);
  const diagnostics = { important: sortedIndices(important), steps: dedup?.steps ?? 0 };
  return selection('vispruner', n, budget, keep, diagnostics, dispatch.backend, t0, dedup?.stats ?? {});
}

/** Outcome of the de-duplication loop. */
interface Dedup {
  residual: Int32Array;
  steps: number;
  stats: Record<string, number>;
}

/** Step 4: passes over the residual list `q` (rank order) until `nDiv` tokens remain. */
async function deduplicate(h: Matrix, q: Int32Array, nDiv: number, dropPerStep: number, dispatch: KernelDispatch, signal?: AbortSignal, helper?: HelperThread): Promise<Dedup> {
  const norms = rowNorms64(h.data, h.rows, h.cols);
  // 64 partners: listed values are screened (a double dot only when a query needs one), so a
  // longer list costs little in the build and spares re-scans of |Q| float32 dots
  const listLength = 64;
  const lists = (await dispatch.cpuOnly()) ? new NeighbourLists(h.data, h.rows, h.cols, norms, listLength, helper) : undefined;
  const stats: Record<string, number> = {};
  let steps = 0;
  for (;;) {
    checkAborted(signal);
    const len = q.length;
    const r = Math.min(dropPerStep, len - nDiv);
    if (r <= 0) break;
    const a = new Int32Array(Math.ceil(len / 2));
    const b = new Int32Array(Math.floor(len / 2));
    for (let i = 0; i < len; i++) (i & 1 ? b : a)[i >> 1] = q[i];
    let s: Float64Array;
    if (lists) {
      if (steps === 0) {
        const tb = performance.now();
        lists.build(q);
        stats.buildMs = performance.now() - tb;
      }
      s = lists.maxAgainst(a, b, q);
      dispatch.noteCpu();
    } else {
      s = await dispatch.run('maxSimilarity', { x: h.data, rows: h.rows, cols: h.cols, norms, queries: a, candidates: b });
    }
    const byScore = Array.from({ length: a.length }, (_, i) => i).sort((u, v) => (s[u] > s[v] ? -1 : s[u] < s[v] ? 1 : u - v));
    const kept = byScore.slice(Math.min(r, a.length));
    const next = new Int32Array(kept.length + b.length);
    kept.forEach((u, i) => (next[i] = a[u]));
    next.set(b, kept.length);
    q = next;
    steps++;
  }
  if (lists) {
    stats.dots = lists.dots;
    stats.refreshes = lists.refreshes;
    stats.helperGroups = lists.helperGroups;
  }
  return { residual: q, steps, stats };
}

/** VisPruner behind the {@link Method} interface. */
export const visprunerMethod: Method = {
  name: 'vispruner',
  description: 'VisPruner: important tokens by CLS attention + iterative even/odd de-duplication (docs/baselines.md §5)',
  requires: ['features', 'clsAttention'],
  optional: [],
  needsLayout: false,
  params: VISPRUNER_PARAM_SPECS,
  select: (input, budget, params, context) => releasingStores(input, () => vispruner(input, budget, params, context)),
};
