import { describe, expect, it } from 'vitest';
import { LAYOUT_MAX_CELLS, gridLayout, layoutCellIndex, parseLayout, validateLayout, type Layout } from '../src/index.js';
import { errorOf } from './typed-error.js';

const layoutOf = (frames: { rows: number; cols: number }[], cells: [number, number, number][]): Layout => ({
  frames,
  frame: Int32Array.from(cells, (c) => c[0]),
  row: Int32Array.from(cells, (c) => c[1]),
  col: Int32Array.from(cells, (c) => c[2]),
});

describe('layout bounds (memory from metadata)', () => {
  it('frames declaring more than LAYOUT_MAX_CELLS cells are refused from their sizes, naming layout', () => {
    const json = { frames: [{ rows: 20000, cols: 20000 }, { rows: 20000, cols: 20000 }, { rows: 20000, cols: 20000 }], frame: [0], row: [0], col: [0] };
    expect(() => parseLayout(json)).toThrow(expect.objectContaining({ code: 'INVALID_INPUT', field: 'layout' }));
    expect(() => parseLayout({ ...json, frames: [{ rows: 100000, cols: 100000 }] })).toThrow(expect.objectContaining({ field: 'layout' }));
  });
  it('grids over the bound are refused naming grid before allocating', () => {
    expect(() => gridLayout(10000, 10000)).toThrow(expect.objectContaining({ code: 'INVALID_INPUT', field: 'grid' }));
    expect(() => gridLayout(-1, 3)).toThrow(expect.objectContaining({ field: 'grid' }));
  });
  it('a sparse layout on a large frame is indexed in memory O(N)', () => {
    const side = Math.floor(Math.sqrt(LAYOUT_MAX_CELLS));
    const l = layoutOf([{ rows: side, cols: side }], [[0, 0, 0], [0, side - 1, side - 1], [0, 5, 7]]);
    validateLayout(l, 3);
    const before = process.memoryUsage().arrayBuffers;
    const index = layoutCellIndex(l);
    expect(process.memoryUsage().arrayBuffers - before).toBeLessThan(1 << 20);
    expect(index.at(0, side - 1, side - 1)).toBe(1);
    expect(index.at(0, 5, 7)).toBe(2);
    expect(index.at(0, 5, 8)).toBe(-1);
  });
});

describe('layout cells hold one token each', () => {
  it('two tokens on one cell are INVALID_INPUT naming layout', () => {
    const l = layoutOf([{ rows: 2, cols: 2 }], [[0, 0, 0], [0, 1, 1], [0, 0, 0]]);
    expect(() => validateLayout(l, 3)).toThrow(expect.objectContaining({ code: 'INVALID_INPUT', field: 'layout' }));
    expect(() => validateLayout(l, 3)).toThrow(/tokens 0 and 2 share frame 0, row 0, col 0/);
  });
  it('duplicates are found on sparse (hash-indexed) frames too', () => {
    const l = layoutOf([{ rows: 4000, cols: 4000 }], [[0, 3999, 1], [0, 3999, 1]]);
    expect(() => validateLayout(l, 2)).toThrow(expect.objectContaining({ field: 'layout' }));
  });
  it('the same cell on two frames is fine', () => {
    validateLayout(layoutOf([{ rows: 1, cols: 1 }, { rows: 1, cols: 1 }], [[0, 0, 0], [1, 0, 0]]), 2);
  });
});

describe('layouts from untyped callers', () => {
  const base = (): Layout => gridLayout(2, 2);
  const fieldOf = (l: unknown, n = 4) => errorOf(() => validateLayout(l as Layout, n));

  it('a missing or non-array frame / row / col is SHAPE_MISMATCH naming it, not a TypeError', () => {
    const { frames, row, col } = base();
    expect(fieldOf({ frames, row, col })).toMatchObject({ code: 'SHAPE_MISMATCH', field: 'layout.frame' });
    expect(fieldOf({ ...base(), row: null })).toMatchObject({ code: 'SHAPE_MISMATCH', field: 'layout.row' });
    expect(fieldOf({ ...base(), col: 'abcd' })).toMatchObject({ code: 'SHAPE_MISMATCH', field: 'layout.col' });
    expect(fieldOf('layout')).toMatchObject({ code: 'INVALID_INPUT', field: 'layout' });
  });

  it('a frame entry that is not { rows, cols } of integers ≥ 0 is INVALID_INPUT naming it', () => {
    for (const bad of [null, 5, { rows: 'a', cols: 2 }, { rows: 2.5, cols: 2 }, { rows: 2, cols: -1 }, { rows: 2 }]) {
      expect(fieldOf({ ...base(), frames: [bad] })).toMatchObject({ code: 'INVALID_INPUT', field: 'layout.frames[0]' });
    }
  });

  it('coordinates that are not integers are INVALID_INPUT naming the array, not a TypeError or a silent answer', () => {
    expect(fieldOf({ ...base(), frame: [0, 0.5, 0, 0] })).toMatchObject({ code: 'INVALID_INPUT', field: 'layout.frame' });
    expect(fieldOf({ ...base(), row: [0, 0, 1, 0.5] })).toMatchObject({ code: 'INVALID_INPUT', field: 'layout.row' });
    expect(fieldOf({ ...base(), col: ['0', '1', '0', '1'] })).toMatchObject({ code: 'INVALID_INPUT', field: 'layout.col' });
  });

  it('plain integer arrays and the empty grid stay valid', () => {
    const l = base();
    validateLayout({ frames: l.frames, frame: Array.from(l.frame), row: Array.from(l.row), col: Array.from(l.col) } as unknown as Layout, 4);
    validateLayout(gridLayout(0, 0), 0);
  });
});
