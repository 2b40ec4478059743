import type { DotExports } from './wasm-simd-dot.js';

/** The kernels {@link seqDotsF32} calls. */
export type SeqDotKernels = Pick<DotExports, 'dotsTileF32Seq' | 'dotsRowF32Seq'>;

/** The kernels {@link seqPairDotsF32} calls. */
export type SeqPairDotKernels = Pick<DotExports, 'dotsPairTileF32Seq' | 'dotsPairRowF32Seq'>;

/**
 * Float32 dots of the row at byte offset `a` with `count` consecutive rows of `n` floats from
 * byte offset `first`: whole tiles of `F32_TILE` (4) rows in `dotsTileF32Seq`, the last 1–3
 * rows in `dotsRowF32Seq`; one float per row to `out` (byte offset). Each within
 * `f32TileDotBound(n)`·‖a‖·‖b‖ of the exact dot.
 *
 * Self-contained (no outer names, the tile size written out): a helper thread runs its source
 * text, as the CDPruner screen helper does.
 */
export function seqDotsF32(wasm: SeqDotKernels, a: number, first: number, count: number, n: number, out: number): void {
  const tile = 4;
  const groups = Math.floor(count / tile);
  if (groups > 0) wasm.dotsTileF32Seq(a, first, groups, n, out);
  const done = groups * tile;
  if (done < count) wasm.dotsRowF32Seq(a, first + done * n * 4, count - done, n, out + done * 4);
}

/**
 * {@link seqDotsF32} for the rows at `a` and `b` at once (each chunk of the consecutive rows read
 * once for both): row r's two floats at out[r·outStride] and out[r·outStride + 1] (floats from
 * byte offset `out`), through `dotsPairTileF32Seq` and `dotsPairRowF32Seq`; same bound.
 * Self-contained like {@link seqDotsF32}.
 */
export function seqPairDotsF32(wasm: SeqPairDotKernels, a: number, b: number, first: number, count: number, n: number, out: number, outStride: number): void {
  const tile = 4;
  const groups = Math.floor(count / tile);
  if (groups > 0) wasm.dotsPairTileF32Seq(a, b, first, groups, n, out, outStride);
  const done = groups * tile;
  if (done < count) wasm.dotsPairRowF32Seq(a, b, first + done * n * 4, count - done, n, out + done * outStride * 4, outStride);
}
