import type { ErrorJson, Layout, MethodParams, Selection } from '@d2pruner/core';
import { defer, map, reduce, scan, type OperatorFunction } from 'rxjs';
import type { EvalLabels } from './labels.js';
import { scoreOutcome } from './score.js';

/** A budget of docs/eval.md §2: a token count or a fraction of N. */
export type EvalBudget = { keep: number } | { ratio: number };

/** One (method, budget) an evaluation runs on every file. */
export interface EvalRun {
  /** Registered method name. */
  method: string;
  /** The budget. */
  budget: EvalBudget;
  /** The method's parameters (`--param method.name=value`). */
  params?: MethodParams;
}

/** What one run did on one file: a selection with the file's labels, or the reason it was skipped. */
export interface EvalOutcome {
  /** The file (its path, or a caller's name for an in-memory input). */
  file: string;
  /** Position of the file in the evaluated stream. */
  fileIndex: number;
  /** The run. */
  run: EvalRun;
  /** The resolved budget n, when the file was decoded. */
  n?: number;
  /** The file's ground truth, when it was read. */
  labels?: EvalLabels;
  /** The method's selection. */
  selection?: Selection;
  /** Why the run was skipped on this file (a missing tensor, an unreadable file, …). */
  error?: ErrorJson;
  /** Milliseconds the method took (the pipeline's `prune` stage). */
  ms: number;
  /** The tokens' layout, when the file was decoded (for drawing the selection). */
  layout?: Layout;
}

/** One reason runs were skipped, with how many files it hit. */
export interface SkipReason {
  /** `[CODE] field: message`. */
  reason: string;
  /** Files skipped for it. */
  files: number;
}

/** One row of the eval JSON (docs/eval.md §3): means over the files the run succeeded on, unrounded. */
export interface EvalResult {
  /** Method name. */
  method: string;
  /** The budget, as given. */
  budget: EvalBudget;
  /** Files the run succeeded on (k). */
  files: number;
  /** Files it was skipped on (s); never counted as zeros. */
  skipped: number;
  /** Mean referent hit over the k files that name a referent; null when none does. */
  referentHit: number | null;
  /** Mean referent share over the same files; null when none names a referent. */
  referentShare: number | null;
  /** Mean object recall over the k files; null when k = 0. */
  objectRecall: number | null;
  /** Mean milliseconds of the method per file; null when k = 0. */
  msPerFile: number | null;
  /** How many of the k files name a referent (the count behind the referent means). */
  referentFiles: number;
  /** Mean kept-token count over the k files; null when k = 0. */
  kept: number | null;
  /**
   * Mean kept share |K| / N (the x of a budget sweep) over the k files that have tokens (N > 0:
   * |K| / N is undefined for a file without any); null when there is none.
   */
  keptRatio: number | null;
  /** Why runs were skipped, grouped by reason (only when s > 0). */
  skipReasons?: SkipReason[];
}

/** The eval JSON (docs/eval.md §3). */
export interface EvalReport {
  /** Distinct files seen. */
  files: number;
  /** One row per (method, budget), in the order of the runs. */
  results: EvalResult[];
}

interface Tally {
  run: EvalRun;
  files: number;
  skipped: number;
  referentFiles: number;
  hit: number;
  share: number;
  recall: number;
  ms: number;
  kept: number;
  keptRatio: number;
  /** Files with N > 0, the count behind `keptRatio`. */
  ratioFiles: number;
  reasons: Map<string, number>;
}

interface EvalState {
  files: Set<number>;
  tallies: Map<string, Tally>;
}

/** The key of a run: method and budget (parameters do not split a row). */
export function runKey(run: Pick<EvalRun, 'method' | 'budget'>): string {
  return 'keep' in run.budget ? `${run.method}|keep=${run.budget.keep}` : `${run.method}|ratio=${run.budget.ratio}`;
}

function emptyTally(run: EvalRun): Tally {
  return { run, files: 0, skipped: 0, referentFiles: 0, hit: 0, share: 0, recall: 0, ms: 0, kept: 0, keptRatio: 0, ratioFiles: 0, reasons: new Map() };
}

function seed(runs: readonly EvalRun[]): EvalState {
  return { files: new Set(), tallies: new Map(runs.map((r) => [runKey(r), emptyTally(r)])) };
}

function skip(t: Tally, error: ErrorJson): void {
  t.skipped++;
  const reason = `[${error.code}] ${error.field}: ${error.message}`;
  t.reasons.set(reason, (t.reasons.get(reason) ?? 0) + 1);
}

/** Told of every outcome the report counts as skipped, with the reason (the one `scoreOutcome` gives). */
export type SkipListener = (outcome: EvalOutcome, reason: ErrorJson) => void;

/** Options of {@link evaluate}. */
export interface EvaluateOptions {
  /** Called for every skipped outcome as it is counted: where a command reports skips. */
  onSkip?: SkipListener;
}

/** Adds one outcome to the state (mutates it; the operators below own their state); a skipped one goes to `onSkip` too. */
function absorb(state: EvalState, o: EvalOutcome, onSkip?: SkipListener): EvalState {
  state.files.add(o.fileIndex);
  const key = runKey(o.run);
  let t = state.tallies.get(key);
  if (!t) state.tallies.set(key, (t = emptyTally(o.run)));
  const score = scoreOutcome(o);
  if (score.error) {
    skip(t, score.error);
    onSkip?.(o, score.error);
    return state;
  }
  const m = score.metrics;
  const size = o.labels?.object.length ?? 0;
  t.files++;
  t.recall += m.objectRecall;
  t.kept += m.kept;
  if (size > 0) {
    t.ratioFiles++;
    t.keptRatio += m.kept / size;
  }
  t.ms += o.ms;
  if (m.referentHit !== undefined && m.referentShare !== undefined) {
    t.referentFiles++;
    t.hit += m.referentHit;
    t.share += m.referentShare;
  }
  return state;
}

function resultOf(t: Tally): EvalResult {
  const mean = (sum: number, k: number) => (k > 0 ? sum / k : null);
  const result: EvalResult = {
    method: t.run.method,
    budget: t.run.budget,
    files: t.files,
    skipped: t.skipped,
    referentHit: mean(t.hit, t.referentFiles),
    referentShare: mean(t.share, t.referentFiles),
    objectRecall: mean(t.recall, t.files),
    msPerFile: mean(t.ms, t.files),
    referentFiles: t.referentFiles,
    kept: mean(t.kept, t.files),
    keptRatio: mean(t.keptRatio, t.ratioFiles),
  };
  if (t.reasons.size > 0) result.skipReasons = [...t.reasons].map(([reason, files]) => ({ reason, files }));
  return result;
}

/** The report of a state: one row per run, in the order runs were declared or first seen. */
function reportOf(state: EvalState): EvalReport {
  return { files: state.files.size, results: [...state.tallies.values()].map(resultOf) };
}

/**
 * Evaluation as a reduction over a stream of {@link EvalOutcome}s (docs/eval.md §2–3): emits one
 * {@link EvalReport} when the stream completes. `runs` fixes the row order (and lists runs that
 * never ran); outcomes of other runs add rows in the order first seen. A skipped outcome counts
 * in `skipped` with its reason, never as a zero, and `options.onSkip` hears of it as it is counted.
 */
export function evaluate(runs: readonly EvalRun[] = [], options: EvaluateOptions = {}): OperatorFunction<EvalOutcome, EvalReport> {
  return (source) => defer(() => source.pipe(reduce((state: EvalState, o: EvalOutcome) => absorb(state, o, options.onSkip), seed(runs)), map(reportOf)));
}

/**
 * Like {@link evaluate}, but emits the running report after every outcome (RxJS `scan`): for a
 * live table or chart while a long evaluation runs.
 */
export function evaluateRunning(runs: readonly EvalRun[] = []): OperatorFunction<EvalOutcome, EvalReport> {
  return (source) => defer(() => source.pipe(scan((state: EvalState, o: EvalOutcome) => absorb(state, o), seed(runs)), map(reportOf)));
}

/** The report of outcomes already in hand (the same fold as {@link evaluate}, without a stream). */
export function reportOfOutcomes(outcomes: readonly EvalOutcome[], runs: readonly EvalRun[] = []): EvalReport {
  return reportOf(outcomes.reduce((state, o) => absorb(state, o), seed(runs)));
}
