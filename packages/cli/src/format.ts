import type { Selection } from '@d2pruner/core';
import { selectionText } from '@d2pruner/pipeline';

function list(values: readonly number[], max = 24): string {
  const head = values.slice(0, max).join(' ');
  return values.length > max ? `${head} … (+${values.length - max})` : head;
}

/** A short human summary of a selection (the default output of `d2pruner prune`). */
export function formatSelection(file: string, s: Selection): string {
  const lines = [
    `${file}: ${s.method} kept ${s.keep.length} of ${s.n} tokens (budget ${s.budget}) on ${s.backend} in ${s.timings.totalMs.toFixed(2)} ms`,
    `  keep:   ${list(s.keep)}`,
  ];
  if (s.pivots) lines.push(`  pivots: ${list(s.pivots)}`);
  if (s.picks) lines.push(`  picks:  ${list(s.picks)}${s.rounds !== undefined ? `  (rounds ${s.rounds})` : ''}`);
  if (s.merged) lines.push(`  merged: ${s.merged.length} rows`);
  return lines.join('\n') + '\n';
}

/** The JSON line of a selection (docs/formats.md §2); merged rows as float32 values (`selectionText`). */
export function selectionJson(s: Selection): string {
  return selectionText(s);
}
