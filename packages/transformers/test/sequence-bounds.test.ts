import { describe, expect, it } from 'vitest';
import { gatherPositions, keptPositions, type SpanKeep } from '../src/index.js';
import { caught } from './helpers.js';

describe('gatherPositions: positions must lie in [0, seq)', () => {
  // B = 2, S = 4, width 1: row 0 holds 0..3, row 1 holds 10..13
  const data = Float32Array.from([0, 1, 2, 3, 10, 11, 12, 13]);
  it('in-range positions gather as before', () => {
    expect(Array.from(gatherPositions(data, 2, 4, 1, [Int32Array.of(0, 3), Int32Array.of(1, 2)]))).toEqual([0, 3, 11, 12]);
  });
  it('a position past the row, negative, or fractional is INVALID_INPUT positions', async () => {
    for (const row0 of [[0, 4], [-1, 0], [99, 0], [1.5, 0]]) {
      const positions = [row0 as unknown as Int32Array, Int32Array.of(1, 2)];
      expect(await caught(() => gatherPositions(data, 2, 4, 1, positions)), JSON.stringify(row0)).toMatchObject({ code: 'INVALID_INPUT', field: 'positions' });
    }
    expect(await caught(() => gatherPositions(data, 2, 4, 1, [Int32Array.of(0, 1), Int32Array.of(2, 4)]))).toMatchObject({ field: 'positions' });
  });
});

describe('keptPositions: spans are integer, in order and disjoint', () => {
  it('adjacent and zero-length runs are fine', () => {
    // runs [2, 4) and [4, 6) of a 7-long row; keep visual 0 of the first, 1 of the second
    expect(Array.from(keptPositions(7, [{ start: 2, length: 2, kept: [0] }, { start: 4, length: 2, kept: [1] }]))).toEqual([0, 1, 2, 5, 6]);
    expect(Array.from(keptPositions(3, [{ start: 1, length: 0, kept: [] }]))).toEqual([0, 1, 2]);
  });
  it('overlapping or out-of-order runs are INVALID_INPUT spans', async () => {
    const cases: SpanKeep[][] = [
      // the second run would re-drop position 4, kept by the first
      [{ start: 0, length: 5, kept: [4] }, { start: 4, length: 3, kept: [] }],
      [{ start: 5, length: 2, kept: [] }, { start: 0, length: 2, kept: [] }],
    ];
    for (const spans of cases) expect(await caught(() => keptPositions(10, spans))).toMatchObject({ code: 'INVALID_INPUT', field: 'spans' });
  });
  it('fractional or negative start / length are INVALID_INPUT spans', async () => {
    for (const s of [{ start: 1.5, length: 2 }, { start: 1, length: 2.5 }, { start: 3, length: -2 }, { start: NaN, length: 1 }]) {
      expect(await caught(() => keptPositions(6, [{ ...s, kept: [0] }])), JSON.stringify(s)).toMatchObject({ code: 'INVALID_INPUT', field: 'spans' });
    }
  });
  it('the sequence length must be an integer ≥ 0', async () => {
    for (const length of [-1, NaN, 2.5]) expect(await caught(() => keptPositions(length, []))).toMatchObject({ code: 'INVALID_INPUT', field: 'length' });
  });
});
