/**
 * @d2pruner/eval-report — the charts and the self-contained HTML page of a `d2pruner eval`
 * run: Vega-Lite specs of the budget sweeps and token grids (browser-safe, for any page that
 * embeds them with vega-embed) and the report page with the libraries inlined. The Node helper
 * that reads the libraries' built files is in `@d2pruner/eval-report/node`.
 * @packageDocumentation
 */
export * from './metrics.js';
export * from './samples.js';
export * from './charts.js';
export * from './series-style.js';
export * from './html.js';
