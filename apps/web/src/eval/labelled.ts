import { sampleCollector, type ReportSample } from '@d2pruner/eval-report';
import { calibrate, calibrationScenes, evalRuns, evaluate, evaluateOutcomes, makeScenes, sceneFileBytes, type EvalBudget, type EvalReport, type SceneOptions } from '@d2pruner/pipeline';
import { lastValueFrom, tap } from 'rxjs';

/** What the Evaluate tab runs: a labelled scene set, the methods and the budgets. */
export interface LabelledEvalOptions {
  /** The scene set (`d2pruner scenes` options). */
  scenes: SceneOptions;
  /** Scenes in the set. */
  count: number;
  /** Methods to compare. */
  methods: readonly string[];
  /** Budgets. */
  budgets: readonly EvalBudget[];
  /** Called after each finished scene with (done, total). */
  onProgress?: (done: number, total: number) => void;
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
 */
export async function runLabelledEval(options: LabelledEvalOptions): Promise<LabelledEvalResult> {
  const runs = evalRuns(options.methods, options.budgets);
  const { prior } = await calibrate(Array.from(calibrationScenes(options.scenes), (s) => s.input));
  const files = Array.from(makeScenes(options.scenes, options.count), (s, k) => ({ name: `scene-${String(k).padStart(4, '0')}`, bytes: sceneFileBytes(s) }));
  const collector = sampleCollector(runs);
  const report = await lastValueFrom(
    evaluateOutcomes(files, {
      runs,
      prior,
      backend: 'cpu',
      total: files.length,
      onProgress: (e) => options.onProgress?.(e.done, files.length),
    }).pipe(
      tap((o) => collector.add(o)),
      evaluate(runs),
    ),
  );
  return { report, samples: collector.samples() };
}
