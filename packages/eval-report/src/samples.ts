import type { EvalOutcome, EvalRun } from '@d2pruner/pipeline';

/** One file drawn in a report: its token grid, labels, and each method's kept tokens at one budget. */
export interface ReportSample {
  /** The file's name. */
  file: string;
  /** Canvases of the layout. */
  frames: { rows: number; cols: number }[];
  /** Frame, row and column of each token. */
  frame: number[];
  row: number[];
  col: number[];
  /** Object id per token (−1 background). */
  object: number[];
  /** The referent's id, when the file names one. */
  referent?: number;
  /** The budget the selections were made at. */
  budget: EvalRun['budget'];
  /** Kept token indices per method. */
  kept: Record<string, number[]>;
}

/**
 * Picks the files a report draws: the first `count` files that ran, with every method's kept
 * tokens at `budget` (default: the first run's budget). Outcomes of other budgets, of later files,
 * and skipped ones are ignored. Feed it outcomes as they stream by (it keeps only what it draws).
 */
export function sampleCollector(
  runs: readonly EvalRun[],
  count = 3,
): {
  /** Offers one outcome; it is kept only when it belongs to a drawn file at the drawn budget. */
  add(outcome: EvalOutcome): void;
  /** The samples collected so far. */
  samples(): ReportSample[];
} {
  const budget = runs[0]?.budget;
  const same = (b: EvalRun['budget']) => budget !== undefined && JSON.stringify(b) === JSON.stringify(budget);
  const byFile = new Map<number, ReportSample>();
  return {
    add(o) {
      if (!o.selection || !o.labels || !o.layout || !same(o.run.budget)) return;
      let s = byFile.get(o.fileIndex);
      if (!s) {
        if (byFile.size >= count) return;
        const { layout, labels } = o;
        s = {
          file: o.file,
          frames: layout.frames.map((f) => ({ rows: f.rows, cols: f.cols })),
          frame: Array.from(layout.frame),
          row: Array.from(layout.row),
          col: Array.from(layout.col),
          object: Array.from(labels.object),
          budget: o.run.budget,
          kept: {},
          ...(labels.referent === undefined ? {} : { referent: labels.referent }),
        };
        byFile.set(o.fileIndex, s);
      }
      s.kept[o.run.method] = Array.from(o.selection.keep);
    },
    samples: () => [...byFile.entries()].sort((a, b) => a[0] - b[0]).map(([, s]) => s),
  };
}
