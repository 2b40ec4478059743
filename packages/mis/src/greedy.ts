import { assertInteger, assertOneOf, InvalidArgumentError, InvalidInputError } from '@d2pruner/core';
import { RoundSet, type ConflictGraph } from './graph.js';

/** What to do when a round of the greedy MIS ends with fewer than m picks (docs/algorithm.md §3 step 7). */
export type Fallback = 'rounds' | 'importance';

/** Every fallback name. */
export const FALLBACKS: readonly Fallback[] = ['rounds', 'importance'];

/** The result of {@link greedyMis}. */
export interface MisResult {
  /** Vertices in the order they were taken. */
  picks: number[];
  /** Rounds that ran (0 when m = 0; the `importance` fill counts as one round). */
  rounds: number;
  /** Candidates visited in total (a measure of the work done). */
  visited: number;
}

/**
 * Greedy maximal independent set over `order` (candidates in importance order), taking `m`
 * vertices. Round 1 walks the order and takes a vertex when it has no edge to one already taken
 * in this round. When a round ends short, `rounds` runs another round over the untaken vertices,
 * blocked only by that round's picks, until m are taken; `importance` appends the untaken
 * vertices in order. `size` bounds the vertex ids.
 *
 * Checked before any round runs: `order` lists distinct integer vertex ids ≥ 0 (and < `size`
 * when given), else INVALID_INPUT naming `order`; `size` is an integer ≥ 0 (`size`); `graph` has
 * a `conflicts` function (INVALID_ARGUMENT, `graph`). A graph that reports a conflict against
 * an empty round, so that a round takes nothing, is INVALID_ARGUMENT naming `graph` (a repeated
 * id or such a graph used to loop forever).
 */
export function greedyMis(order: ArrayLike<number>, m: number, graph: ConflictGraph, fallback: Fallback = 'rounds', size?: number): MisResult {
  assertInteger('m', m);
  assertOneOf('fallback', fallback, FALLBACKS);
  if (typeof order !== 'object' || order === null || typeof order.length !== 'number') {
    throw new InvalidInputError('order', 'order must be an array of vertex ids');
  }
  if (typeof graph !== 'object' || graph === null || typeof (graph as Partial<ConflictGraph>).conflicts !== 'function') {
    throw new InvalidArgumentError('graph', 'graph must have a conflicts(v, taken) function');
  }
  if (size !== undefined) assertInteger('size', size);
  if (m > order.length) throw new InvalidInputError('m', `cannot take ${m} vertices from ${order.length} candidates`);
  let maxId = -1;
  for (let i = 0; i < order.length; i++) {
    const v = order[i];
    if (!Number.isInteger(v) || v < 0 || (size !== undefined && v >= size)) {
      throw new InvalidInputError('order', `order[${i}] is ${String(v)}; vertex ids are integers in [0, ${size ?? '2^53'})`);
    }
    if (v > maxId) maxId = v;
  }
  const taken = new Uint8Array(size ?? maxId + 1);
  for (let i = 0; i < order.length; i++) {
    if (taken[order[i]]) throw new InvalidInputError('order', `order lists vertex ${order[i]} twice (again at order[${i}]); vertex ids must be distinct`);
    taken[order[i]] = 1;
  }
  taken.fill(0);
  const picks: number[] = [];
  if (m === 0) return { picks, rounds: 0, visited: 0 };
  const round = new RoundSet(taken.length);
  let rounds = 0;
  let visited = 0;
  while (picks.length < m) {
    const before = picks.length;
    rounds++;
    round.next();
    for (let k = 0; k < order.length && picks.length < m; k++) {
      const v = order[k];
      if (taken[v]) continue;
      visited++;
      if (graph.conflicts(v, round)) continue;
      taken[v] = 1;
      round.add(v);
      picks.push(v);
    }
    if (picks.length < m && fallback === 'importance') {
      rounds++;
      for (let k = 0; k < order.length && picks.length < m; k++) {
        const v = order[k];
        if (!taken[v]) {
          taken[v] = 1;
          picks.push(v);
        }
      }
    }
    // distinct ids and m ≤ |order|: the first untaken vertex meets an empty round, so a sound graph always takes it
    if (picks.length === before) throw new InvalidArgumentError('graph', `round ${rounds} took nothing: graph.conflicts reported a conflict against an empty round, which a vertex cannot have`);
  }
  return { picks, rounds, visited };
}

/** True when no two members of `set` are joined by an edge of `graph` (the MIS property). */
export function isIndependent(set: readonly number[], graph: ConflictGraph, size: number): boolean {
  const round = new RoundSet(size);
  round.next();
  for (const v of set) {
    if (graph.conflicts(v, round)) return false;
    round.add(v);
  }
  return true;
}
