import { gridLayout, parseLayout } from '@d2pruner/core';
import { describe, expect, it } from 'vitest';
import { MAX_CANVAS_SIDE, geometry, tokenKinds, tokenRect } from '../src/draw.js';
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

describe('geometry of layouts with few tokens on many cells', () => {
  it('keeps the canvas within MAX_CANVAS_SIDE (a 4096×4096 frame, a 1×2^24 strip) and lays out 200000 frames without a stack overflow', () => {
    const one = (rows: number, cols: number, col = [0]) => parseLayout({ frames: [{ rows, cols }], frame: col.map(() => 0), row: col.map(() => 0), col });
    const square = geometry(one(4096, 4096), 420);
    expect(square.width).toBeLessThanOrEqual(MAX_CANVAS_SIDE);
    expect(square.height).toBeLessThanOrEqual(MAX_CANVAS_SIDE);
    expect(square.width).toBeGreaterThan(0);
    const strip = one(1, 2 ** 24, [0, 2 ** 24 - 1]);
    const g = geometry(strip, 420);
    expect(g.width).toBeLessThanOrEqual(MAX_CANVAS_SIDE);
    const last = tokenRect(strip, g, 1);
    expect(last.x + last.w).toBeLessThanOrEqual(g.width + 1e-6);
    const nf = 200_000;
    const many = parseLayout({ frames: Array.from({ length: nf }, () => ({ rows: 1, cols: 1 })), frame: Array.from({ length: nf }, (_, i) => i), row: new Array<number>(nf).fill(0), col: new Array<number>(nf).fill(0) });
    const m = geometry(many, 420);
    expect(m.width).toBeLessThanOrEqual(MAX_CANVAS_SIDE);
    expect(m.height).toBeGreaterThan(0);
    const end = tokenRect(many, m, nf - 1);
    expect(end.x + end.w).toBeLessThanOrEqual(m.width + 1e-6);
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
