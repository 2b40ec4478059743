import { InvalidInputError } from '@d2pruner/core';
import { describe, expect, it } from 'vitest';
import { INTERNVL_OPTIONS, MAX_TILES, candidateGrids, dynamicTiling } from '../src/index.js';

/** Brute-force reference: `dynamic_preprocess`'s set comprehension over i, j in [1, max]. */
function referenceGrids(min: number, max: number): string[] {
  const out: [number, number][] = [];
  for (let i = 1; i <= max; i++) for (let j = 1; j <= max; j++) if (i * j >= min && i * j <= max) out.push([i, j]);
  out.sort((a, b) => a[0] * a[1] - b[0] * b[1] || a[0] - b[0]);
  return out.map(([i, j]) => `${i}x${j}`);
}

describe('tiling helpers are bounded like the adapter option', () => {
  it('the helpers and the layout option share one cap', () => {
    expect(MAX_TILES).toBe(64);
    for (const name of ['maxTiles', 'minTiles']) expect(INTERNVL_OPTIONS.find((p) => p.name === name)?.max).toBe(MAX_TILES);
  });

  it('huge maxTiles is refused at once, naming maxTiles', () => {
    const t0 = Date.now();
    for (const max of [MAX_TILES + 1, 30000, 1e9]) {
      expect(() => dynamicTiling({ width: 640, height: 480 }, 1, max)).toThrow(InvalidInputError);
      expect(() => dynamicTiling({ width: 640, height: 480 }, 1, max)).toThrow(expect.objectContaining({ field: 'maxTiles' }));
      expect(() => candidateGrids(1, max)).toThrow(expect.objectContaining({ field: 'maxTiles' }));
    }
    expect(Date.now() - t0).toBeLessThan(1000);
  });

  it('bad ranges name the parameter', () => {
    const cases: [number, number, string][] = [
      [0, 6, 'minTiles'],
      [1.5, 6, 'minTiles'],
      [NaN, 6, 'minTiles'],
      [MAX_TILES + 1, MAX_TILES + 1, 'minTiles'],
      [1, 6.5, 'maxTiles'],
      [1, Infinity, 'maxTiles'],
      [7, 6, 'maxTiles'],
      [1, 0, 'maxTiles'],
    ];
    for (const [min, max, field] of cases) {
      expect(() => candidateGrids(min, max), `${min}..${max}`).toThrow(expect.objectContaining({ code: 'INVALID_INPUT', field }));
      expect(() => dynamicTiling({ width: 10, height: 10 }, min, max), `${min}..${max}`).toThrow(expect.objectContaining({ field }));
    }
    expect(() => candidateGrids('6' as unknown as number, 6)).toThrow(expect.objectContaining({ field: 'minTiles' }));
  });

  it('candidate grids match the brute-force enumeration over the whole allowed range', () => {
    for (let max = 1; max <= MAX_TILES; max++) {
      for (const min of new Set([1, 2, 3, Math.ceil(max / 2), max].filter((m) => m <= max))) {
        expect(candidateGrids(min, max).map((g) => `${g.cols}x${g.rows}`), `${min}..${max}`).toEqual(referenceGrids(min, max));
      }
    }
    // docs/models.md §3.2: 14 grids for max 6, 1×1 … 6×1
    expect(candidateGrids(1, 6).map((g) => `${g.cols}x${g.rows}`)).toEqual(['1x1', '1x2', '2x1', '1x3', '3x1', '1x4', '2x2', '4x1', '1x5', '5x1', '1x6', '2x3', '3x2', '6x1']);
  });

  it('the cap itself still works: 640×480 at max 64', () => {
    // aspect 4/3 is matched exactly by 4×3 (12) and 8×6 (48); 640·480 < 0.5·448²·12, so 4×3 is kept
    expect(dynamicTiling({ width: 640, height: 480 }, 1, MAX_TILES)).toEqual({ grid: { cols: 4, rows: 3 }, tiles: 12, thumbnail: true });
  });
});
