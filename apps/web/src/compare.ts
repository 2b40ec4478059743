import type { Selection } from '@d2pruner/core';

/** The parts of a selection that must agree across backends (timings and backend name excluded). */
export interface SelectionCore {
  keep: number[];
  pivots?: number[];
  picks?: number[];
  rounds?: number;
}

/** The comparable core of a selection. */
export function selectionCore(s: Selection): SelectionCore {
  const core: SelectionCore = { keep: [...s.keep] };
  if (s.pivots) core.pivots = [...s.pivots];
  if (s.picks) core.picks = [...s.picks];
  if (s.rounds !== undefined) core.rounds = s.rounds;
  return core;
}

function sameList(a?: readonly number[], b?: readonly number[]): boolean {
  if (a === undefined || b === undefined) return a === b;
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

/** True when two selections keep the same tokens with the same pivots, picks (in order) and rounds. */
export function sameSelection(a: SelectionCore, b: SelectionCore): boolean {
  return sameList(a.keep, b.keep) && sameList(a.pivots, b.pivots) && sameList(a.picks, b.picks) && a.rounds === b.rounds;
}
