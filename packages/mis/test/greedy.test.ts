import { describe, expect, it } from 'vitest';
import { greedyMis, isIndependent, type ConflictGraph } from '../src/index.js';

/** A graph from an explicit edge list, answering conflicts by lookup. */
function edges(list: [number, number][]): ConflictGraph & { has(a: number, b: number): boolean } {
  const set = new Set(list.flatMap(([a, b]) => [`${a},${b}`, `${b},${a}`]));
  const has = (a: number, b: number) => set.has(`${a},${b}`);
  return { has, conflicts: (v, taken) => taken.members.some((u) => has(u, v)) };
}

describe('greedy MIS', () => {
  // path 0-1-2-3-4, visited in order 0..4
  const path = edges([[0, 1], [1, 2], [2, 3], [3, 4]]);

  it('round 1 takes every vertex not adjacent to an earlier pick', () => {
    expect(greedyMis([0, 1, 2, 3, 4], 3, path)).toEqual({ picks: [0, 2, 4], rounds: 1, visited: 5 });
  });

  it('stops as soon as m are taken', () => {
    expect(greedyMis([0, 1, 2, 3, 4], 2, path)).toMatchObject({ picks: [0, 2], rounds: 1, visited: 3 });
  });

  it('rounds fallback: later rounds are blocked only by their own picks', () => {
    // round 1: 0, 2, 4; round 2 over 1, 3: both free of each other → 1, 3
    expect(greedyMis([0, 1, 2, 3, 4], 5, path)).toMatchObject({ picks: [0, 2, 4, 1, 3], rounds: 2 });
    // a clique of 3: one per round
    const clique = edges([[0, 1], [0, 2], [1, 2]]);
    expect(greedyMis([2, 0, 1], 3, clique)).toMatchObject({ picks: [2, 0, 1], rounds: 3 });
  });

  it('importance fallback appends the untaken in order and counts one round', () => {
    const clique = edges([[0, 1], [0, 2], [1, 2]]);
    expect(greedyMis([2, 0, 1], 3, clique, 'importance')).toMatchObject({ picks: [2, 0, 1], rounds: 2 });
    expect(greedyMis([2, 0, 1], 1, clique, 'importance')).toMatchObject({ picks: [2], rounds: 1 });
  });

  it('m = 0 runs no round', () => {
    expect(greedyMis([0, 1], 0, path)).toEqual({ picks: [], rounds: 0, visited: 0 });
  });

  it('rejects impossible budgets and unknown fallbacks', () => {
    expect(() => greedyMis([0], 2, path)).toThrow(expect.objectContaining({ field: 'm' }));
    expect(() => greedyMis([0], 1, path, 'other' as 'rounds')).toThrow(expect.objectContaining({ field: 'fallback' }));
  });

  it('isIndependent detects an edge', () => {
    expect(isIndependent([0, 2, 4], path, 5)).toBe(true);
    expect(isIndependent([0, 3, 4], path, 5)).toBe(false);
  });
});

describe('greedy MIS on untyped or malformed input', () => {
  const path: ConflictGraph = { conflicts: (v, taken) => taken.members.some((u) => Math.abs(u - v) === 1) };

  it('a repeated vertex id is INVALID_INPUT naming order instead of a round loop that never ends', () => {
    expect(() => greedyMis([0, 0, 2, 2], 4, path)).toThrow(expect.objectContaining({ code: 'INVALID_INPUT', field: 'order' }));
    expect(() => greedyMis([0, 0, 2, 2], 3, path)).toThrow(expect.objectContaining({ code: 'INVALID_INPUT', field: 'order' }));
  });

  it('ids that are not integers ≥ 0 (or not below size) are INVALID_INPUT naming order', () => {
    for (const bad of [NaN, -1, 1.5, '1' as unknown as number]) {
      expect(() => greedyMis([0, bad, 2, 3], 3, path)).toThrow(expect.objectContaining({ code: 'INVALID_INPUT', field: 'order' }));
    }
    expect(() => greedyMis([0, 4], 1, path, 'rounds', 4)).toThrow(expect.objectContaining({ field: 'order' }));
    expect(() => greedyMis([0, 1], 1, path, 'rounds', -1)).toThrow(expect.objectContaining({ field: 'size' }));
  });

  it('a graph that conflicts with an empty round is INVALID_ARGUMENT naming graph, not a hang', () => {
    const broken: ConflictGraph = { conflicts: () => true };
    expect(() => greedyMis([0, 1, 2, 3], 2, broken)).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT', field: 'graph' }));
  });

  it('null order or graph are typed errors', () => {
    expect(() => greedyMis(null as unknown as number[], 1, path)).toThrow(expect.objectContaining({ field: 'order' }));
    expect(() => greedyMis([0, 1], 1, null as unknown as ConflictGraph)).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT', field: 'graph' }));
  });
});
