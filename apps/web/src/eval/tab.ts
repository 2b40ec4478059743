import { isD2PrunerError } from '@d2pruner/core';
import { reportCharts, reportSkips, reportTable } from '@d2pruner/eval-report';
import { splitList, budgetsFromText, type SceneBias } from '@d2pruner/pipeline';
import { EvalCancelledError, runLabelledEval, type LabelledEvalResult } from './labelled.js';
import { parseSceneCount, parseStrength } from './limits.js';
import { setupTabs } from '../tabs.js';

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;

/** What the tab exposes for the console and the browser test (`window.__d2prunerEval`). */
export interface EvalTabSnapshot {
  state: 'idle' | 'running' | 'done' | 'error';
  result: LabelledEvalResult | null;
  error: string | null;
}

async function drawCharts(result: LabelledEvalResult, signal: AbortSignal): Promise<void> {
  const { default: embed } = await import('vega-embed');
  if (signal.aborted) return;
  const charts = reportCharts(result.report, result.samples);
  const sweeps = $('eval-sweeps');
  const grids = $('eval-grids');
  sweeps.replaceChildren();
  grids.replaceChildren();
  for (const c of charts) {
    if (signal.aborted) return;
    const div = document.createElement('div');
    div.id = `eval-${c.id}`;
    (c.id.startsWith('sweep-') ? sweeps : grids).append(div);
    await embed(div, c.spec, { renderer: 'svg', actions: false, theme: 'dark' });
  }
}

/**
 * The Evaluate tab: runs the labelled sample scenes (`d2pruner scenes` + `d2pruner eval` in the
 * page) and shows the table, the budget sweeps and the token grids of the command's report.
 */
export function setupEvalTab(snapshot: EvalTabSnapshot): void {
  const nav = document.querySelector<HTMLElement>('nav.tabs');
  if (nav) setupTabs(nav);
  let current: AbortController | undefined;
  $('eval-run').addEventListener('click', () => {
    // A new evaluation replaces the one in flight: it is cancelled and never writes to the page.
    current?.abort();
    current = new AbortController();
    void run(snapshot, current.signal);
  });
  $('eval-cancel').addEventListener('click', () => {
    if (!current || current.signal.aborted || snapshot.state !== 'running') return;
    current.abort();
    snapshot.state = 'idle';
    document.body.dataset.evalState = 'idle';
    $<HTMLButtonElement>('eval-cancel').disabled = true;
    $('eval-status').textContent = `cancelled ${$('eval-status').textContent ? `after ${$('eval-status').textContent}` : 'before the first scene'}`;
  });
}

async function run(snapshot: EvalTabSnapshot, signal: AbortSignal): Promise<void> {
  const status = $('eval-status');
  const error = $('eval-error');
  snapshot.state = 'running';
  snapshot.result = null;
  snapshot.error = null;
  document.body.dataset.evalState = 'running';
  error.hidden = true;
  status.textContent = '';
  $<HTMLButtonElement>('eval-cancel').disabled = false;
  for (const id of ['eval-report-table', 'eval-sweeps', 'eval-grids']) $(id).replaceChildren();
  try {
    // The boxes' min/max are advice to the browser only: a typed 1e6 or a devtools edit gets here.
    const count = parseSceneCount($<HTMLInputElement>('eval-count').value);
    const strength = parseStrength($<HTMLInputElement>('eval-strength').value);
    const result = await runLabelledEval({
      scenes: { layout: 'llava-1.5', bias: $<HTMLSelectElement>('eval-bias').value as SceneBias, strength, seed: 1 },
      count,
      methods: splitList($<HTMLInputElement>('eval-methods').value, 'methods'),
      budgets: budgetsFromText($<HTMLInputElement>('eval-ratios').value, undefined),
      onProgress: (done, total) => {
        if (!signal.aborted) status.textContent = `${done} / ${total} scenes`;
      },
      signal,
    });
    if (signal.aborted) return;
    // a run skipped on every scene shows dashes in the table; the list under it says why
    $('eval-report-table').innerHTML = reportTable(result.report) + reportSkips(result.report);
    await drawCharts(result, signal);
    if (signal.aborted) return;
    status.textContent = `${result.report.files} scenes evaluated`;
    snapshot.result = result;
    snapshot.state = 'done';
  } catch (e) {
    if (signal.aborted || e instanceof EvalCancelledError) return;
    snapshot.state = 'error';
    snapshot.error = isD2PrunerError(e) ? `${e.code} (${e.field}): ${e.message}` : e instanceof Error ? e.message : String(e);
    error.textContent = snapshot.error;
    error.hidden = false;
  }
  $<HTMLButtonElement>('eval-cancel').disabled = true;
  document.body.dataset.evalState = snapshot.state;
}
