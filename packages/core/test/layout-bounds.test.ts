import { describe, expect, it } from 'vitest';
import { LAYOUT_MAX_CELLS, gridLayout, layoutCellIndex, parseLayout, validateLayout, type Layout } from '../src/index.js';

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
