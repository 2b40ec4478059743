import { F32_TILE } from './wasm-f32-tile.js';
import type { DotExports } from './wasm-simd-dot.js';

/**
 * Float32 dots of the row at byte offset `a` with `count` consecutive rows of `n` floats from
 * byte offset `first`: whole tiles of {@link F32_TILE} rows in `dotsTileF32Seq`, the last 1–3
 * rows in `dotsRowF32Seq`; one float per row to `out` (byte offset). Each within
 * `f32TileDotBound(n)`·‖a‖·‖b‖ of the exact dot.
 */
export function seqDotsF32(wasm: DotExports, a: number, first: number, count: number, n: number, out: number): void {
  const groups = Math.floor(count / F32_TILE);
  if (groups > 0) wasm.dotsTileF32Seq(a, first, groups, n, out);
  const done = groups * F32_TILE;
  if (done < count) wasm.dotsRowF32Seq(a, first + done * n * 4, count - done, n, out + done * 4);
}

/**
 * {@link seqDotsF32} for the rows at `a` and `b` at once (each chunk of the consecutive rows read
 * once for both): row r's two floats at out[r·outStride] and out[r·outStride + 1] (floats from
 * byte offset `out`), through `dotsPairTileF32Seq` and `dotsPairRowF32Seq`; same bound.
 */
export function seqPairDotsF32(wasm: DotExports, a: number, b: number, first: number, count: number, n: number, out: number, outStride: number): void {
  const groups = Math.floor(count / F32_TILE);
  if (groups > 0) wasm.dotsPairTileF32Seq(a, b, first, groups, n, out, outStride);
  const done = groups * F32_TILE;
  if (done < count) wasm.dotsPairRowF32Seq(a, b, first + done * n * 4, count - done, n, out + done * outStride * 4, outStride);
}
