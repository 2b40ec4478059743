import { layoutCellIndex, type Layout, type LayoutCellIndex } from '@d2pruner/core';

/**
 * Cell → token lookup for a layout, so the spatial neighbours of a token are found in
 * O((2r+1)²) without scanning all tokens. Memory O(N) whatever the frame sizes (core's
 * `layoutCellIndex`: a dense table for real layouts, a hash map for sparse ones).
 */
export class SpatialIndex {
  private readonly cells: LayoutCellIndex;
  // the layout's arrays, and its frame sizes as arrays: the hot queries then read this class's
  // own fields, whatever object shape the caller's layout (and its frame entries) has
  private readonly frame: Int32Array;
  private readonly row: Int32Array;
  private readonly col: Int32Array;
  private readonly frameRows: Int32Array;
  private readonly frameCols: Int32Array;

  /** @param layout a validated layout (one token per cell) */
  constructor(readonly layout: Layout) {
    this.cells = layoutCellIndex(layout);
    this.frame = layout.frame;
    this.row = layout.row;
    this.col = layout.col;
    this.frameRows = Int32Array.from(layout.frames, (f) => f.rows);
    this.frameCols = Int32Array.from(layout.frames, (f) => f.cols);
  }

  /** 1 when i and j share a frame and max(|Δrow|, |Δcol|) ≤ radius, else 0. */
  adjacent(i: number, j: number, radius: number): 0 | 1 {
    const { frame, row, col } = this;
    return frame[i] === frame[j] && Math.abs(row[i] - row[j]) <= radius && Math.abs(col[i] - col[j]) <= radius ? 1 : 0;
  }

  /** Calls `fn` for every other token within Chebyshev `radius` of `i` on its frame; stops when fn returns true. */
  someNeighbour(i: number, radius: number, fn: (j: number) => boolean): boolean {
    const { frame, row, col } = this;
    const f = frame[i];
    const rows = this.frameRows[f];
    const cols = this.frameCols[f];
    const cells = this.cells;
    const dense = cells.dense;
    const base = dense ? dense.offsets[f] : 0;
    const r0 = Math.max(0, row[i] - radius);
    const r1 = Math.min(rows - 1, row[i] + radius);
    const c0 = Math.max(0, col[i] - radius);
    const c1 = Math.min(cols - 1, col[i] + radius);
    for (let r = r0; r <= r1; r++) {
      for (let c = c0; c <= c1; c++) {
        const j = dense ? dense.table[base + r * cols + c] : cells.at(f, r, c);
        if (j >= 0 && j !== i && fn(j)) return true;
      }
    }
    return false;
  }

  /** Number of cells in a (2r+1)² window (an upper bound on neighbours + 1). */
  static windowSize(radius: number): number {
    return (2 * radius + 1) * (2 * radius + 1);
  }
}
