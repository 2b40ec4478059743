import { sampleCollector, type ReportSample } from '@d2pruner/eval-report';
import { calibrate, calibrationScenes, evalRuns, evaluate, evaluateOutcomes, makeScenes, sceneFileBytes, type EvalBudget, type EvalReport, type EvalSource, type SceneOptions } from '@d2pruner/pipeline';
import { Observable, lastValueFrom, tap, type MonoTypeOperatorFunction } from 'rxjs';
import { checkSceneCount } from './limits.js';

/** What the Evaluate tab runs: a labelled scene set, the methods and the budgets. */
export interface LabelledEvalOptions {
  /** The scene set (`d2pruner scenes` options). */
  scenes: SceneOptions;
  /** Scenes in the set: 1…`MAX_EVAL_SCENES` (checked before any work). */
  count: number;
  /** Methods to compare. */
  methods: readonly string[];
  /** Budgets. */
  budgets: readonly EvalBudget[];
  /** Called after each finished scene with (done, total). */
  onProgress?: (done: number, total: number) => void;
  /** Aborting it stops the evaluation (no further scene is run) and rejects with {@link EvalCancelledError}. */
  signal?: AbortSignal;
}

/** The evaluation was cancelled through its signal (a newer one replaced it). */
export class EvalCancelledError extends Error {
  constructor() {
    super('the evaluation was cancelled');
    this.name = 'EvalCancelledError';
  }
}

/** Errors with {@link EvalCancelledError} when `signal` aborts, unsubscribing from the source (which stops its work). */
function untilAborted<T>(signal: AbortSignal | undefined): MonoTypeOperatorFunction<T> {
  return (source) =>
    new Observable<T>((subscriber) => {
      const onAbort = () => subscriber.error(new EvalCancelledError());
      if (signal?.aborted) return onAbort();
      signal?.addEventListener('abort', onAbort, { once: true });
      const inner = source.subscribe(subscriber);
      return () => {
        signal?.removeEventListener('abort', onAbort);
        inner.unsubscribe();
      };
    });
}

/**
 * The scene files one at a time, each made after a turn of the event loop: the page keeps
 * painting and handling clicks during a run (a second Evaluate click cancels it between scenes),
 * and only the scenes in flight are held in memory.
 */
async function* sceneFiles(scenes: SceneOptions, count: number): AsyncGenerator<EvalSource, void, undefined> {
  let k = 0;
  for (const scene of makeScenes(scenes, count)) {
    await new Promise<void>((resolve) => setTimeout(resolve, 0));
    yield { name: `scene-${String(k++).padStart(4, '0')}`, bytes: sceneFileBytes(scene) };
  }
}

/** The result of the tab: the eval JSON and the files it draws. */
export interface LabelledEvalResult {
  report: EvalReport;
  samples: ReportSample[];
}

/**
 * Runs `d2pruner scenes` + `d2pruner eval --prior` in the page: the labelled scenes of the same
 * generator (so the same options give the same files as the command line), a prior calibrated on
 * the set's calibration seeds, and every method × budget through the same pipeline, on the CPU.
 * `options.signal` cancels it between scenes. A count outside 1…`MAX_EVAL_SCENES` is
 * `INVALID_ARGUMENT` (field `count`) before any scene is made.
 */
export async function runLabelledEval(options: LabelledEvalOptions): Promise<LabelledEvalResult> {
  checkSceneCount(options.count);
  if (options.signal?.aborted) throw new EvalCancelledError();
  const runs = evalRuns(options.methods, options.budgets);
  const { prior } = await calibrate(Array.from(calibrationScenes(options.scenes), (s) => s.input));
  const collector = sampleCollector(runs);
  const report = await lastValueFrom(
    evaluateOutcomes(sceneFiles(options.scenes, options.count), {
      runs,
      prior,
      backend: 'cpu',
      total: options.count,
      onProgress: (e) => options.onProgress?.(e.done, options.count),
    }).pipe(
      tap((o) => collector.add(o)),
      evaluate(runs),
      untilAborted(options.signal),
    ),
  );
  return { report, samples: collector.samples() };
}
