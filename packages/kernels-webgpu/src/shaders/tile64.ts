/**
 * WGSL shared by the 64×64-tile kernels (`GRAM_WGSL`, `BLOCK_WGSL`): 16×16 threads per
 * workgroup, each owning four rows of the A and B tiles strided by 16, stepping the feature
 * dimension 16 columns at a time through workgroup memory (`As`, `Bs`, 16×64 floats each). The
 * kernels differ in how many rows each side has, where B's rows start, and what they compute
 * from the tiles.
 */

/** Where a kernel's A and B rows come from: the bounds of the tile rows and the index expression of B's row `jb`. */
export interface TileRowsOptions {
  /** Rows on the A side (a WGSL expression). */
  aLimit: string;
  /** Rows on the B side (a WGSL expression). */
  bLimit: string;
  /** The `idx` entry of B's row `jb` (a WGSL expression in `jb`). */
  bIndex: string;
}

/**
 * The prologue after `ti`, `tj` are known: tile origins `i0`, `j0`, the thread's tile row `lr`
 * and column `lk`, and per q < 4 its A and B row offsets (`aRow`, `bRow`) and whether they exist
 * (`aOk`, `bOk`).
 */
export function tileRowsWgsl({ aLimit, bLimit, bIndex }: TileRowsOptions): string {
  return `  let i0 = ti * 64u;
  let j0 = tj * 64u;
  let lr = li / 16u;
  let lk = li % 16u;
  var aRow: array<u32, 4>;
  var bRow: array<u32, 4>;
  var aOk: array<bool, 4>;
  var bOk: array<bool, 4>;
  for (var q = 0u; q < 4u; q++) {
    let ia = i0 + lr + 16u * q;
    aOk[q] = ia < ${aLimit};
    if (aOk[q]) { aRow[q] = idx[ia] * p.d; }
    let jb = j0 + lr + 16u * q;
    bOk[q] = jb < ${bLimit};
    if (bOk[q]) { bRow[q] = idx[${bIndex}] * p.d; }
  }`;
}

/** Inside the loop over `k0` (steps of 16): loads this step's A and B tiles into `As`, `Bs` (zeros beyond the rows or `p.d`), then a barrier. */
export const TILE_LOAD_WGSL = `    let k = k0 + lk;
    for (var q = 0u; q < 4u; q++) {
      var va = 0.0;
      var vb = 0.0;
      if (aOk[q] && k < p.d) { va = X[aRow[q] + k]; }
      if (bOk[q] && k < p.d) { vb = X[bRow[q] + k]; }
      As[lk * 64u + lr + 16u * q] = va;
      Bs[lk * 64u + lr + 16u * q] = vb;
    }
    workgroupBarrier();`;
