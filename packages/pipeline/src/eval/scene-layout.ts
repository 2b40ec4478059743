import { InvalidArgumentError, gridLayout, type Layout } from '@d2pruner/core';

/** A token layout with each token's centre in [0, 1]² image coordinates. */
export interface SceneGeometry {
  /** Layout name (`llava-1.5`, `internvl-2x3`, or `RxC`). */
  name: string;
  /** The tokens' layout. */
  layout: Layout;
  /** x of each token's centre (0 = left). */
  x: Float64Array;
  /** y of each token's centre (0 = top). */
  y: Float64Array;
}

/** Layout names {@link sceneGeometry} knows, besides `RxC` grids. */
export const SCENE_LAYOUTS: readonly string[] = ['llava-1.5', 'internvl-2x3'];

function tiled(tileRows: number, tileCols: number, side: number): SceneGeometry {
  const rows = tileRows * side;
  const cols = tileCols * side;
  const n = rows * cols + side * side;
  const frame = new Int32Array(n);
  const row = new Int32Array(n);
  const col = new Int32Array(n);
  const x = new Float64Array(n);
  const y = new Float64Array(n);
  let k = 0;
  for (let tr = 0; tr < tileRows; tr++)
    for (let tc = 0; tc < tileCols; tc++)
      for (let r = 0; r < side; r++)
        for (let c = 0; c < side; c++, k++) {
          row[k] = tr * side + r;
          col[k] = tc * side + c;
          x[k] = (col[k] + 0.5) / cols;
          y[k] = (row[k] + 0.5) / rows;
        }
  for (let r = 0; r < side; r++)
    for (let c = 0; c < side; c++, k++) {
      frame[k] = 1;
      row[k] = r;
      col[k] = c;
      x[k] = (c + 0.5) / side;
      y[k] = (r + 0.5) / side;
    }
  return { name: `internvl-${tileRows}x${tileCols}`, layout: { frames: [{ rows, cols }, { rows: side, cols: side }], frame, row, col }, x, y };
}

/**
 * The geometry of a scene layout: `llava-1.5` (one 24×24 grid), `internvl-2x3` (2×3 tiles of
 * 16×16 tokens on one canvas, tile by tile, plus a 16×16 thumbnail frame), or `RxC` (one grid).
 * A typed error naming `layout` for anything else.
 */
export function sceneGeometry(name: string): SceneGeometry {
  if (name === 'llava-1.5') return grid(24, 24, name);
  const tiles = /^internvl-([1-9])x([1-9])$/.exec(name);
  if (tiles) return tiled(Number(tiles[1]), Number(tiles[2]), 16);
  const rc = /^(\d+)x(\d+)$/.exec(name);
  if (rc && Number(rc[1]) >= 1 && Number(rc[2]) >= 1 && Number(rc[1]) * Number(rc[2]) <= 65536) return grid(Number(rc[1]), Number(rc[2]), name);
  throw new InvalidArgumentError('layout', `unknown scene layout '${name}'; use ${SCENE_LAYOUTS.join(', ')}, internvl-RxC or RxC (e.g. 24x24)`);
}

function grid(rows: number, cols: number, name: string): SceneGeometry {
  const layout = gridLayout(rows, cols);
  const n = rows * cols;
  const x = new Float64Array(n);
  const y = new Float64Array(n);
  for (let k = 0; k < n; k++) {
    x[k] = (layout.col[k] + 0.5) / cols;
    y[k] = (layout.row[k] + 0.5) / rows;
  }
  return { name, layout, x, y };
}
