import type { EvalReport } from '@d2pruner/pipeline';
import { REPORT_METRICS, budgetLabel, formatMetric } from '@d2pruner/eval-report';

/** The eval results as a text table, one row per (method, budget) (docs/eval.md §3). */
export function formatEvalTable(report: EvalReport): string {
  const head = ['method', 'budget', 'files', 'skipped', ...REPORT_METRICS.map((m) => m.label), 'ms/file'];
  const rows = report.results.map((r) => [
    r.method,
    budgetLabel(r.budget),
    String(r.files),
    String(r.skipped),
    ...REPORT_METRICS.map((m) => formatMetric(r[m.key])),
    r.msPerFile === null ? '–' : r.msPerFile.toFixed(2),
  ]);
  const widths = head.map((h, c) => Math.max(h.length, ...rows.map((row) => row[c].length)));
  const line = (cells: string[]) => cells.map((cell, c) => (c < 2 ? cell.padEnd(widths[c]) : cell.padStart(widths[c]))).join('  ');
  return [`${report.files} file(s)`, line(head), ...rows.map(line)].join('\n') + '\n';
}
