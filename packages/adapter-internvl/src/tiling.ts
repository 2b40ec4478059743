import { InvalidInputError, type ImageSize } from '@d2pruner/core';
import { MAX_TILES, TILE_SIZE } from './dims.js';

/** A tile grid: `cols` tiles across (i), `rows` tiles down (j). */
export interface TileGrid {
  /** Tiles across (i). */
  cols: number;
  /** Tiles down (j). */
  rows: number;
}

/**
 * Checks a `[minTiles, maxTiles]` range: integers with 1 ≤ minTiles ≤ maxTiles ≤ {@link MAX_TILES}.
 * Throws {@link InvalidInputError} naming `minTiles` or `maxTiles`.
 */
export function checkTileRange(minTiles: number, maxTiles: number): void {
  if (typeof minTiles !== 'number' || !Number.isInteger(minTiles) || minTiles < 1 || minTiles > MAX_TILES) {
    throw new InvalidInputError('minTiles', `minTiles must be an integer in [1, ${MAX_TILES}], got ${String(minTiles)}`);
  }
  if (typeof maxTiles !== 'number' || !Number.isInteger(maxTiles) || maxTiles < minTiles || maxTiles > MAX_TILES) {
    throw new InvalidInputError('maxTiles', `maxTiles must be an integer in [minTiles (${minTiles}), ${MAX_TILES}], got ${String(maxTiles)}`);
  }
}

/**
 * Candidate grids of `dynamic_preprocess`: every (i, j) with min ≤ i·j ≤ max, sorted by i·j.
 * Within one product the order is i ascending — Python's order there follows set iteration, but
 * grids with equal products can only tie in the aspect test when they have the same aspect,
 * i.e. never (docs/models.md §3.2). The range is checked first ({@link checkTileRange}); only the
 * pairs with i·j ≤ max are visited.
 */
export function candidateGrids(minTiles: number, maxTiles: number): TileGrid[] {
  checkTileRange(minTiles, maxTiles);
  const out: TileGrid[] = [];
  for (let i = 1; i <= maxTiles; i++) {
    for (let j = Math.ceil(minTiles / i); i * j <= maxTiles; j++) out.push({ cols: i, rows: j });
  }
  return out.sort((a, b) => a.cols * a.rows - b.cols * b.rows || a.cols - b.cols);
}

/**
 * `find_closest_aspect_ratio` (docs/models.md §3.2 step 2): the grid whose i/j is closest to W/H; on
 * an exact tie the later (larger) grid wins when W·H > 0.5 · 448² · i · j.
 */
export function findClosestAspectRatio(image: ImageSize, grids: readonly TileGrid[], tileSize = TILE_SIZE): TileGrid {
  const aspect = image.width / image.height;
  const area = image.width * image.height;
  let bestDiff = Infinity;
  let best: TileGrid = { cols: 1, rows: 1 };
  for (const g of grids) {
    const diff = Math.abs(aspect - g.cols / g.rows);
    if (diff < bestDiff) {
      bestDiff = diff;
      best = g;
    } else if (diff === bestDiff && area > 0.5 * tileSize * tileSize * g.cols * g.rows) {
      best = g;
    }
  }
  return best;
}

/** The tiles `dynamic_preprocess` produces for an image. */
export interface Tiling {
  /** The chosen grid. */
  grid: TileGrid;
  /** Tiles of the grid (i·j). */
  tiles: number;
  /** Whether a thumbnail tile follows (more than one tile and `useThumbnail`). */
  thumbnail: boolean;
}

/**
 * `dynamic_preprocess` (docs/models.md §3.2): the grid for an image under [minTiles, maxTiles]; the
 * image is stretched to (448·i)×(448·j) and cut row-major; a thumbnail comes last when there is
 * more than one tile. `minTiles`/`maxTiles` are checked as in {@link checkTileRange}.
 */
export function dynamicTiling(image: ImageSize, minTiles = 1, maxTiles = 12, useThumbnail = true): Tiling {
  checkTileRange(minTiles, maxTiles);
  const grid = findClosestAspectRatio(image, candidateGrids(minTiles, maxTiles));
  const tiles = grid.cols * grid.rows;
  return { grid, tiles, thumbnail: useThumbnail && tiles !== 1 };
}
