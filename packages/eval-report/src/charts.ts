import type { EvalReport } from '@d2pruner/pipeline';
import type { TopLevelSpec } from 'vega-lite';
import { REPORT_METRICS, budgetLabel } from './metrics.js';
import type { ReportSample } from './samples.js';
import { DEFAULT_SCHEME_METHODS, SERIES_COLOURS, seriesStyles } from './series-style.js';

/** The metrics a sweep chart can plot. */
export type SweepMetric = (typeof REPORT_METRICS)[number]['key'];

/**
 * The channels that tell the methods of a sweep apart: colour alone up to 10 methods (Vega's
 * default scheme), the 20 colours of `tableau20` up to 20, and beyond that a stroke dash and a
 * point shape as well ({@link seriesStyles}). The channels share the field, the title and the
 * domain, so the legend is one.
 */
function methodChannels(methods: readonly string[]) {
  const channel = { field: 'method', type: 'nominal', title: 'method' } as const;
  if (methods.length <= DEFAULT_SCHEME_METHODS) return { color: channel };
  const styles = seriesStyles(methods.length);
  const domain = [...methods];
  const color = { ...channel, scale: { domain, range: styles.map((s) => s.colour) } };
  if (methods.length <= SERIES_COLOURS.length) return { color };
  return {
    color,
    strokeDash: { ...channel, scale: { domain, range: styles.map((s) => [...s.dash]) } },
    shape: { ...channel, scale: { domain, range: styles.map((s) => s.shape) } },
  };
}

/**
 * A budget-sweep chart (docs/eval.md §3): x the mean kept share |K|/N, y the metric's mean, one line
 * per method, each method in its own colour (and, beyond 20 methods, dash and point shape: see
 * `seriesStyles`). Rows with no file that ran, or a null metric, are left out.
 */
export function sweepSpec(report: EvalReport, metric: SweepMetric, width = 320): TopLevelSpec {
  const label = REPORT_METRICS.find((m) => m.key === metric)?.label ?? metric;
  const values = report.results
    .filter((r) => r.keptRatio !== null && r[metric] !== null)
    .map((r) => ({ method: r.method, keptRatio: r.keptRatio, value: r[metric], files: r.files }));
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: label,
    width,
    height: 200,
    data: { values },
    mark: { type: 'line', point: true },
    encoding: {
      x: { field: 'keptRatio', type: 'quantitative', title: 'kept ratio', scale: { zero: true } },
      y: { field: 'value', type: 'quantitative', title: label, scale: { domain: [0, 1] } },
      ...methodChannels([...new Set(values.map((v) => v.method))]),
      tooltip: [{ field: 'method' }, { field: 'keptRatio', format: '.3f' }, { field: 'value', format: '.4f', title: label }, { field: 'files' }],
    },
  };
}

/** Columns of each frame's canvas placed side by side, one empty column apart. */
function frameOffsets(sample: ReportSample): number[] {
  const offsets: number[] = [];
  let x = 0;
  for (const f of sample.frames) {
    offsets.push(x);
    x += f.cols + 1;
  }
  return offsets;
}

/**
 * The token grid of one file (docs/eval.md §3): one panel per method, a cell per token (frames side
 * by side), kept tokens dark, tokens on objects tinted, the referent's tokens outlined.
 */
export function gridSpec(sample: ReportSample, methods: readonly string[], cell = 7): TopLevelSpec {
  const offsets = frameOffsets(sample);
  const values: { method: string; x: number; y: number; state: string; referent: boolean }[] = [];
  for (const method of methods) {
    const kept = new Set(sample.kept[method] ?? []);
    for (let i = 0; i < sample.object.length; i++) {
      const onObject = sample.object[i] >= 0;
      const state = kept.has(i) ? (onObject ? 'kept, object' : 'kept, background') : onObject ? 'object' : 'background';
      values.push({ method, x: sample.col[i] + offsets[sample.frame[i]], y: sample.row[i], state, referent: sample.referent !== undefined && sample.object[i] === sample.referent });
    }
  }
  const cols = offsets[offsets.length - 1] + sample.frames[sample.frames.length - 1].cols;
  const rows = Math.max(...sample.frames.map((f) => f.rows));
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: `${sample.file.split(/[\\/]/).pop() ?? sample.file} (${budgetLabel(sample.budget)})`,
    data: { values },
    facet: { column: { field: 'method', type: 'nominal', title: null, sort: [...methods] } },
    spec: {
      width: cols * cell,
      height: rows * cell,
      mark: { type: 'rect' },
      encoding: {
        x: { field: 'x', type: 'ordinal', axis: null, scale: { domain: Array.from({ length: cols }, (_, k) => k) } },
        y: { field: 'y', type: 'ordinal', axis: null, scale: { domain: Array.from({ length: rows }, (_, k) => k) } },
        color: {
          field: 'state',
          type: 'nominal',
          title: 'token',
          scale: { domain: ['kept, object', 'kept, background', 'object', 'background'], range: ['#b2182b', '#2166ac', '#f4c7b8', '#e8e8e8'] },
        },
        stroke: { condition: { test: 'datum.referent', value: '#000000' }, value: 'transparent' },
        strokeWidth: { condition: { test: 'datum.referent', value: 1.5 }, value: 0 },
      },
    },
  };
}
