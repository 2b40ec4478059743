import { drawSelection, geometry, tokenKinds } from './draw.js';
import { sameSelection, selectionCore, type SelectionCore } from './compare.js';
import type { RunOutcome, RunTarget } from './run.js';
import type { Scene } from './scene.js';

/** Display names of the run targets. */
export const TARGET_LABELS: Readonly<Record<RunTarget, string>> = { webgpu: 'WebGPU (page)', cpu: 'CPU (page)', server: 'server' };

/** Whether every successful run of a method produced the same selection (undefined: fewer than two). */
export function agreement(outcomes: readonly RunOutcome[]): boolean | undefined {
  const ok = outcomes.filter((o): o is Extract<RunOutcome, { ok: true }> => o.ok).map((o) => selectionCore(o.selection));
  if (ok.length < 2) return undefined;
  return ok.every((s) => sameSelection(s, ok[0]));
}

function el<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Record<string, string> = {}, text?: string): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
  if (text !== undefined) e.textContent = text;
  return e;
}

/** What a card shows. */
export interface CardData {
  method: string;
  keep: number;
  scene: Scene;
  outcomes: RunOutcome[];
  /** Targets that were asked for but cannot run here, with the reason. */
  skipped: { target: RunTarget; reason: string }[];
  /** Targets whose run was the page's first on that backend (WebGPU: includes shader compilation). */
  cold?: readonly RunTarget[];
  image?: CanvasImageSource;
}

/**
 * A result card: the token grid of the first successful run (pivots and MIS picks coloured
 * apart), one row per backend with its time and outcome, and whether the backends agree.
 */
export function renderCard(d: CardData, maxWidth: number): HTMLElement {
  const card = el('article', { class: 'card', 'data-method': d.method });
  const first = d.outcomes.find((o): o is Extract<RunOutcome, { ok: true }> => o.ok);
  const title = el('h2', {}, d.method);
  const sub = el('span', { class: 'sub' }, first ? ` keeps ${first.selection.keep.length} of ${d.scene.n}` : ` (budget ${d.keep})`);
  title.append(sub);
  card.append(title);
  if (first) {
    const core: SelectionCore = selectionCore(first.selection);
    const g = geometry(d.scene.layout, maxWidth);
    const canvas = el('canvas', { width: String(g.width), height: String(g.height), 'aria-label': `tokens kept by ${d.method}` });
    const ctx = canvas.getContext('2d');
    if (ctx) drawSelection(ctx, { layout: d.scene.layout, kinds: tokenKinds(d.scene.n, core), geometry: g, image: d.image, objects: d.scene.objects });
    card.append(canvas);
    if (core.pivots || core.picks) card.append(el('p', { class: 'counts' }, `${core.pivots?.length ?? 0} pivots + ${core.picks?.length ?? 0} MIS picks${core.rounds !== undefined ? `, ${core.rounds} round(s)` : ''}`));
  }
  const table = el('table', { class: 'timings' });
  for (const o of d.outcomes) {
    const tr = el('tr', { 'data-target': o.target, 'data-ok': String(o.ok) });
    tr.append(el('th', {}, TARGET_LABELS[o.target]));
    const cold = d.cold?.includes(o.target) ? ' (first run)' : '';
    tr.append(el('td', { class: 'ms', title: cold ? 'the first run on this backend in this page; WebGPU compiles its shaders then — press Prune again for warm timings' : '' }, `${o.ms.toFixed(1)} ms${cold}`));
    if (o.ok) tr.append(el('td', {}, `ran on ${o.selection.backend}; method ${(o.selection.timings.totalMs ?? 0).toFixed(1)} ms`));
    else tr.append(el('td', { class: 'err' }, `${o.error.code}${o.error.field ? ` (${o.error.field})` : ''}: ${o.error.message}`));
    table.append(tr);
  }
  const reasons = new Set(d.skipped.map((s) => s.reason));
  if (d.outcomes.length === 0 && reasons.size === 1) {
    card.append(el('p', { class: 'needs', role: 'note' }, [...reasons][0]));
    card.dataset.agree = 'n/a';
    return card;
  }
  for (const s of d.skipped) {
    const tr = el('tr', { 'data-target': s.target, 'data-ok': 'skipped' });
    tr.append(el('th', {}, TARGET_LABELS[s.target]), el('td', { class: 'ms' }, '—'), el('td', { class: 'muted' }, s.reason));
    table.append(tr);
  }
  card.append(table);
  const agree = agreement(d.outcomes);
  card.dataset.agree = agree === undefined ? 'n/a' : String(agree);
  const okTargets = d.outcomes.filter((o) => o.ok).map((o) => TARGET_LABELS[o.target]);
  if (agree === true) card.append(el('p', { class: 'agree' }, `✓ identical selections on ${okTargets.join(', ')}`));
  else if (agree === false) card.append(el('p', { class: 'disagree' }, `✗ the backends disagree: ${okTargets.join(', ')}`));
  return card;
}
