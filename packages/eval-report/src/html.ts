import type { EvalReport } from '@d2pruner/pipeline';
import type { TopLevelSpec } from 'vega-lite';
import { gridSpec, sweepSpec } from './charts.js';
import { REPORT_METRICS, budgetLabel, formatMetric } from './metrics.js';
import type { ReportSample } from './samples.js';

/** The built JavaScript of the charting libraries, inlined into the page (no network at view time). */
export interface ChartLibraries {
  /** `vega/build/vega.min.js`. */
  vega: string;
  /** `vega-lite/build/vega-lite.min.js`. */
  vegaLite: string;
  /** `vega-embed/build/vega-embed.min.js`. */
  vegaEmbed: string;
}

/** One chart of a report page: where it goes and its Vega-Lite spec. */
export interface ReportChart {
  /** Element id. */
  id: string;
  /** The spec. */
  spec: TopLevelSpec;
}

const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** Text safe inside a `<script>` element. */
const scriptText = (s: string) => s.replace(/<\/(script)/gi, '<\\/$1');

/** JSON safe inside a `<script type="application/json">` element. */
const jsonText = (v: unknown) => JSON.stringify(v).replace(/</g, '\\u003c');

/** The charts of a report: a sweep per metric, then a token grid per sample. */
export function reportCharts(report: EvalReport, samples: readonly ReportSample[]): ReportChart[] {
  const methods = [...new Set(report.results.map((r) => r.method))];
  return [
    ...REPORT_METRICS.map((m) => ({ id: `sweep-${m.key}`, spec: sweepSpec(report, m.key) })),
    ...samples.map((s, k) => ({ id: `grid-${k}`, spec: gridSpec(s, methods) })),
  ];
}

function numberCell(field: string, value: number | null, text: string): string {
  return `<td class="num" data-field="${field}" data-value="${value === null ? '' : String(value)}">${text}</td>`;
}

/** The results table: one row per (method, budget); each number cell carries its unrounded value. */
export function reportTable(report: EvalReport): string {
  const head = ['method', 'budget', 'files', 'skipped', ...REPORT_METRICS.map((m) => m.label), 'ms / file'].map((h) => `<th>${h}</th>`).join('');
  const rows = report.results.map((r) => {
    const cells = [
      `<td data-field="method">${escapeHtml(r.method)}</td>`,
      `<td data-field="budget">${escapeHtml(budgetLabel(r.budget))}</td>`,
      numberCell('files', r.files, String(r.files)),
      numberCell('skipped', r.skipped, String(r.skipped)),
      ...REPORT_METRICS.map((m) => numberCell(m.key, r[m.key], formatMetric(r[m.key]))),
      numberCell('msPerFile', r.msPerFile, r.msPerFile === null ? '–' : r.msPerFile.toFixed(2)),
    ];
    return `<tr>${cells.join('')}</tr>`;
  });
  return `<table id="eval-table"><thead><tr>${head}</tr></thead><tbody>${rows.join('\n')}</tbody></table>`;
}

/**
 * The HTML list of why runs were skipped (`<h2>Skipped</h2><ul id="eval-skips">…`), one item
 * per (method, budget, reason) with its file count; empty text when nothing was skipped. A run
 * skipped on every file shows dashes in {@link reportTable}; this says why.
 */
export function reportSkips(report: EvalReport): string {
  const items = report.results.flatMap((r) => (r.skipReasons ?? []).map((s) => `<li>${escapeHtml(r.method)} (${escapeHtml(budgetLabel(r.budget))}): ${s.files} file(s) skipped — ${escapeHtml(s.reason)}</li>`));
  return items.length ? `<h2>Skipped</h2><ul id="eval-skips">${items.join('')}</ul>` : '';
}

const STYLE = `body{font:14px system-ui,sans-serif;margin:24px;color:#222}table{border-collapse:collapse;margin:12px 0}
th,td{border-bottom:1px solid #ddd;padding:4px 10px;text-align:left}td.num{text-align:right;font-variant-numeric:tabular-nums}
#sweeps{display:flex;flex-wrap:wrap;gap:16px}.note{color:#666}`;

const BOOT = `(function(){
var data=JSON.parse(document.getElementById('eval-data').textContent);
window.evalReady=Promise.all(data.charts.map(function(c){return vegaEmbed('#'+c.id,c.spec,{renderer:'svg',actions:false});}))
.then(function(){document.body.setAttribute('data-ready','true');},function(e){document.body.setAttribute('data-ready','error');document.getElementById('eval-error').textContent=String(e);});
})();`;

/**
 * The self-contained report page (docs/eval.md §3): the results table, a budget-sweep chart per
 * metric, the token grids of `samples`, and the eval JSON — with the charting libraries inlined,
 * so it opens with no network.
 */
export function reportHtml(report: EvalReport, samples: readonly ReportSample[], libraries: ChartLibraries, title = 'd2pruner eval'): string {
  const charts = reportCharts(report, samples);
  const grids = samples.map((s, k) => `<div id="grid-${k}" class="grid"></div>`).join('\n');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(title)}</title>
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; script-src 'unsafe-inline' 'unsafe-eval'; style-src 'unsafe-inline'; img-src data:">
<style>${STYLE}</style></head>
<body>
<h1>${escapeHtml(title)}</h1>
<p class="note">${report.files} file(s); means over the files each (method, budget) ran on; referent metrics over files that name a referent.</p>
${reportTable(report)}
${reportSkips(report)}
<h2>Budget sweep</h2><div id="sweeps">${REPORT_METRICS.map((m) => `<div id="sweep-${m.key}" class="sweep"></div>`).join('')}</div>
<h2>Token grids</h2><p class="note">Kept tokens dark (red on an object, blue on background), objects tinted, the referent outlined.</p>
${grids}
<pre id="eval-error"></pre>
<script type="application/json" id="eval-data">${jsonText({ report, charts })}</script>
<script>${scriptText(libraries.vega)}</script>
<script>${scriptText(libraries.vegaLite)}</script>
<script>${scriptText(libraries.vegaEmbed)}</script>
<script>${BOOT}</script>
</body></html>
`;
}
