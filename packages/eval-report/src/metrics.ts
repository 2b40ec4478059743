import type { EvalResult } from '@d2pruner/pipeline';

/** The metrics a report charts and tabulates, with their labels. */
export const REPORT_METRICS = [
  { key: 'referentHit', label: 'referent hit' },
  { key: 'referentShare', label: 'referent share' },
  { key: 'objectRecall', label: 'object recall' },
] as const satisfies readonly { key: keyof EvalResult; label: string }[];

/** A budget as a table cell: `ratio 0.1` or `keep 64`. */
export function budgetLabel(budget: EvalResult['budget']): string {
  return 'keep' in budget ? `keep ${budget.keep}` : `ratio ${budget.ratio}`;
}

/** A metric as shown in a table: three decimals, or `–` when no file ran. */
export function formatMetric(value: number | null): string {
  return value === null ? '–' : value.toFixed(3);
}
