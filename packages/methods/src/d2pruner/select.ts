import {
  MissingTensorError,
  assertFiniteNonNegative,
  assertInteger,
  defaultLayout,
  resolveParams,
  validateLayout,
  assertTokenInput,
  validateTokenInput,
  type Layout,
  type Matrix,
  type MethodParams,
  type Selection,
  type TokenInput,
} from '@d2pruner/core';
import { buildDenseGraph, LazyGraph, validateEdgeRule, type EdgeRule } from '@d2pruner/graph';
import { assertFiniteF32, kernelRegistry, type BackendRequest, type D2PrunerWorkload, type KernelRegistry } from '@d2pruner/kernels';
import { greedyMis, type ConflictGraph } from '@d2pruner/mis';
import { checkPrior, debiasedImportance, rankOrder, resolveDebias, type DebiasName, type DebiasOptions } from '@d2pruner/scoring';
import { D2PRUNER_PARAM_SPECS, type D2PrunerParams } from './params.js';

/** A validated D2Pruner problem: everything the selection steps need. */
export interface D2PrunerProblem {
  n: number;
  budget: number;
  features: Matrix;
  attention: Float32Array;
  layout: Layout;
  params: D2PrunerParams;
  prior?: Float32Array;
}

/**
 * Validates an input for D2Pruner (docs/algorithm.md §2): every invalid input raises a typed error
 * naming the field, before the trivial-budget shortcut, so bad data never yields an answer.
 */
export function prepareD2Pruner(input: TokenInput, budget: number, raw: MethodParams = {}): D2PrunerProblem {
  assertInteger('keep', budget);
  assertTokenInput(input);
  const params = resolveParams<D2PrunerParams>('d2pruner', D2PRUNER_PARAM_SPECS, raw);
  validateEdgeRule(params);
  if (!input.features) throw new MissingTensorError('features', 'd2pruner');
  if (!input.attention) throw new MissingTensorError('attention', 'd2pruner');
  const n = validateTokenInput(input);
  assertFiniteNonNegative('attention', input.attention);
  assertFiniteF32('features', input.features.data);
  const debias = resolveDebias({ debias: params.debias, prior: input.prior });
  if (debias === 'prior' || (debias === 'trend' && params.trendBeta === undefined)) {
    if (!input.prior) throw new MissingTensorError('prior', `debias '${debias}'`);
    // checked here too, not only when scoring: a trivial budget (0, or ≥ N) stops before scoring
    checkPrior(input.prior, n, params.eps);
  }
  const layout = input.layout ?? defaultLayout(n);
  validateLayout(layout, n);
  return {
    n,
    budget,
    features: input.features,
    attention: input.attention,
    layout,
    params: { ...params, debias },
    prior: debias === 'prior' || debias === 'trend' ? input.prior : undefined,
  };
}

/** The importance order and the pivot / candidate split (docs/algorithm.md §3 steps 2–4). */
export interface PivotSplit {
  /** All tokens by debiased importance, descending, ties → lower index. */
  order: Int32Array;
  /** First n_p tokens of the order. */
  pivots: Int32Array;
  /** The remaining tokens in importance order (R). */
  candidates: Int32Array;
  /** Supplementary slots m = n − n_p. */
  m: number;
}

/**
 * The debias options D2Pruner derives from its parameters (docs/algorithm.md §6): strategy, prior,
 * eps, trend β, and the RoPE geometry with its defaults (query position visualStart + N + 40).
 */
export function importanceOptions(p: D2PrunerProblem, debias?: DebiasName): DebiasOptions {
  const { params } = p;
  return {
    debias: debias ?? params.debias,
    prior: p.prior,
    eps: params.eps,
    trendBeta: params.trendBeta,
    rope: {
      headDim: params.ropeHeadDim,
      base: params.ropeBase,
      visualStart: params.visualStart,
      queryPosition: params.queryPosition ?? params.visualStart + p.n + 40,
    },
  };
}

/** Pivot count n_p = min(n, ⌊pivotRatio·n + 1e-9⌋) (docs/algorithm.md §3 step 4). */
export function pivotCount(budget: number, pivotRatio: number): number {
  return Math.min(budget, Math.floor(pivotRatio * budget + 1e-9));
}

/** Steps 3–4 from a given importance: the order, pivots and candidates. */
export function splitByImportance(importance: ArrayLike<number>, budget: number, pivotRatio: number): PivotSplit {
  const order = rankOrder(importance);
  const np = pivotCount(budget, pivotRatio);
  return { order, pivots: order.slice(0, np), candidates: order.slice(np), m: budget - np };
}

/** Steps 2–4: debiased importance, importance order, pivots and candidates. */
export function splitPivots(p: D2PrunerProblem): PivotSplit {
  return splitByImportance(debiasedImportance(p.attention, importanceOptions(p)), p.budget, p.params.pivotRatio);
}

/** A D2Pruner selection: `pivots`, `picks` and `rounds` are always present. */
export interface D2PrunerSelection extends Selection {
  pivots: number[];
  picks: number[];
  rounds: number;
}

/** Options of {@link d2prune}. */
export interface D2PruneOptions {
  /** Kernel backend for the dense graph; `auto` by default. */
  backend?: BackendRequest;
  /** Kernel registry (the process-wide one by default). */
  registry?: KernelRegistry;
  /** Cancels between stages (the selection itself is a few milliseconds of synchronous work). */
  signal?: AbortSignal;
}

function finish(p: D2PrunerProblem, split: PivotSplit | undefined, picks: number[], rounds: number, backend: string, timings: Record<string, number>): D2PrunerSelection {
  const keep = split ? [...Array.from(split.pivots), ...picks].sort((a, b) => a - b) : [];
  return {
    method: 'd2pruner',
    n: p.n,
    budget: p.budget,
    keep,
    pivots: split ? Array.from(split.pivots).sort((a, b) => a - b) : [],
    picks,
    rounds,
    backend,
    timings,
  };
}

function trivial(p: D2PrunerProblem, t0: number): D2PrunerSelection | undefined {
  if (p.budget >= p.n) {
    return { ...finish(p, undefined, [], 0, 'cpu', { totalMs: performance.now() - t0 }), keep: Array.from({ length: p.n }, (_, i) => i) };
  }
  if (p.budget === 0) return finish(p, undefined, [], 0, 'cpu', { totalMs: performance.now() - t0 });
  return undefined;
}

/** Steps 1–4 shared by both graph forms, with their timestamps; a trivial budget ends here. */
function begin(
  input: TokenInput,
  budget: number,
  params: MethodParams,
  signal: AbortSignal | undefined,
): D2PrunerSelection | { p: D2PrunerProblem; split: PivotSplit; t0: number; t1: number; t2: number } {
  signal?.throwIfAborted();
  const t0 = performance.now();
  const p = prepareD2Pruner(input, budget, params);
  const t1 = performance.now();
  const early = trivial(p, t0);
  if (early) return early;
  const split = splitPivots(p);
  const t2 = performance.now();
  signal?.throwIfAborted();
  return { p, split, t0, t1, t2 };
}

type Started = { p: D2PrunerProblem; split: PivotSplit; t0: number; t1: number; t2: number };

function runLazy({ p, split, t0, t1, t2 }: Started): D2PrunerSelection {
  const graph = new LazyGraph(p.features, p.layout, p.params satisfies EdgeRule);
  const tg = performance.now();
  let mis;
  try {
    mis = greedyMis(split.candidates, split.m, graph, p.params.fallback, p.n);
  } finally {
    graph.release();
  }
  const t3 = performance.now();
  return finish(p, split, mis.picks, mis.rounds, 'cpu', {
    validateMs: t1 - t0,
    scoreMs: t2 - t1,
    graphMs: tg - t2,
    misMs: t3 - tg,
    totalMs: t3 - t0,
    dots: graph.cosine.dots,
    rechecks: graph.cosine.rechecks,
    refines: graph.cosine.refines,
    implied: graph.impliedChecks,
    visited: mis.visited,
  });
}

async function runDense({ p, split, t0, t1, t2 }: Started, options: D2PruneOptions): Promise<D2PrunerSelection> {
  const graph = await buildDenseGraph(p.features, p.layout, p.params, split.candidates, options);
  const t3 = performance.now();
  options.signal?.throwIfAborted();
  const mis = greedyMis(split.candidates, split.m, graph as ConflictGraph, p.params.fallback, p.n);
  const t4 = performance.now();
  return finish(p, split, mis.picks, mis.rounds, graph.backend, {
    validateMs: t1 - t0,
    scoreMs: t2 - t1,
    graphMs: t3 - t2,
    misMs: t4 - t3,
    totalMs: t4 - t0,
    visited: mis.visited,
    uncertain: graph.stats.uncertain,
    dots: graph.stats.dots,
  });
}

/**
 * D2Pruner with the lazy graph, synchronously on the CPU (docs/algorithm.md §§3–4): the fast path.
 * Returns keep (sorted), pivots (sorted), picks (in pick order) and rounds.
 */
export function d2pruneLazy(input: TokenInput, budget: number, params: MethodParams = {}, options: Pick<D2PruneOptions, 'signal'> = {}): D2PrunerSelection {
  const start = begin(input, budget, params, options.signal);
  return 'keep' in start ? start : runLazy(start);
}

/**
 * D2Pruner with the dense graph: the certified semantic edge block through the kernel registry
 * (a GPU backend when requested), the spatial term and uncertain pairs exactly on the CPU, then
 * the same greedy MIS. Index for index equal to {@link d2pruneLazy}.
 */
export async function d2pruneDense(input: TokenInput, budget: number, params: MethodParams = {}, options: D2PruneOptions = {}): Promise<D2PrunerSelection> {
  const start = begin(input, budget, params, options.signal);
  return 'keep' in start ? start : runDense(start, options);
}

/** What the `auto` policy sees of a prepared problem. */
export function d2prunerWorkload(p: D2PrunerProblem, split: PivotSplit): D2PrunerWorkload {
  return { kind: 'd2pruner', d: p.features.cols, candidates: split.candidates.length, slots: split.m, alpha: p.params.alpha, theta: p.params.theta, radius: p.params.radius };
}

/**
 * D2Pruner selection. `graph: 'lazy'` runs the lazy CPU path, `dense` the dense graph through the
 * kernel registry; `auto` (default) asks the registry's policy ({@link KernelRegistry.decideD2Pruner}):
 * a named GPU backend gets the dense graph, `cpu` the lazy one, and `auto` whichever is expected
 * to cost less on this request and this hardware (never a software adapter).
 */
export async function d2prune(input: TokenInput, budget: number, params: MethodParams = {}, options: D2PruneOptions = {}): Promise<D2PrunerSelection> {
  const start = begin(input, budget, params, options.signal);
  if ('keep' in start) return start;
  const form = start.p.params.graph;
  if (form === 'lazy') return runLazy(start);
  if (form === 'dense') return runDense(start, options);
  const registry = options.registry ?? kernelRegistry();
  const decision = await registry.decideD2Pruner(options.backend ?? 'auto', d2prunerWorkload(start.p, start.split));
  if (decision.form === 'lazy') return runLazy(start);
  return runDense(start, { ...options, registry, backend: decision.backend });
}
