import { gridLayout, parseLayout } from '@d2pruner/core';
import { describe, expect, it } from 'vitest';
import { geometry, tokenKinds, tokenRect } from '../src/draw.js';
import { sameSelection } from '../src/compare.js';

describe('tokenKinds', () => {
  it('marks pivots and MIS picks apart, other kept tokens as kept, the rest as pruned', () => {
    expect(tokenKinds(6, { keep: [0, 2, 5], pivots: [2], picks: [5] })).toEqual(['kept', 'dropped', 'pivot', 'dropped', 'dropped', 'pick']);
    expect(tokenKinds(3, { keep: [1] })).toEqual(['dropped', 'kept', 'dropped']);
  });
});

describe('geometry', () => {
  it('fits one 24×24 frame into the width with whole cells', () => {
    const g = geometry(gridLayout(24, 24), 300);
    expect(g.cell).toBe(12);
    expect(g).toMatchObject({ width: 288, height: 288 });
    expect(tokenRect(gridLayout(24, 24), g, 24 * 2 + 3)).toEqual({ x: 36, y: 24, w: 12, h: 12 });
  });

  it('puts frames side by side with a gap (a tiled canvas and its thumbnail)', () => {
    const layout = parseLayout({ frames: [{ rows: 2, cols: 4 }, { rows: 1, cols: 1 }], frame: [0, 0, 0, 0, 0, 0, 0, 0, 1], row: [0, 0, 0, 0, 1, 1, 1, 1, 0], col: [0, 1, 2, 3, 0, 1, 2, 3, 0] });
    const g = geometry(layout, 58, 8, 14);
    expect(g.cell).toBe(10);
    expect(g.boxes.map((b) => b.x)).toEqual([0, 48]);
    expect(g.width).toBe(58);
    expect(g.height).toBe(20);
    expect(tokenRect(layout, g, 8)).toEqual({ x: 48, y: 0, w: 10, h: 10 });
    expect(tokenRect(layout, g, 6)).toEqual({ x: 20, y: 10, w: 10, h: 10 });
  });
});

describe('sameSelection', () => {
  it('compares keep, pivots, picks in order and rounds', () => {
    const a = { keep: [1, 2, 3], pivots: [1], picks: [3, 2], rounds: 1 };
    expect(sameSelection(a, { ...a })).toBe(true);
    expect(sameSelection(a, { ...a, picks: [2, 3] })).toBe(false);
    expect(sameSelection(a, { ...a, rounds: 2 })).toBe(false);
    expect(sameSelection(a, { keep: [1, 2, 3] })).toBe(false);
    expect(sameSelection({ keep: [1] }, { keep: [1] })).toBe(true);
  });
});
