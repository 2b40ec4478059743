/**
 * Register-tiled float32 dots of one row against consecutive rows, for screening with a
 * rounding bound ({@link f32TileDotBound}): each 4-float chunk of the row is loaded once per
 * tile of {@link F32_TILE} rows, one f32x4 accumulator per row (the tile's four independent
 * additions per iteration keep the adder busy); a run's last 1–3 rows go one at a time with four
 * accumulators. Measured on Node 20 (1024 floats, runs of 40 rows): about 21 GMAC/s for the tile
 * against 17 for one row at a time; two accumulators per row in a tile of four spill (11 GMAC/s).
 * The reads of the rows bound the speed (4 bytes per product), not the arithmetic.
 */

import { op, T, type WasmFunction } from './wasm-asm.js';
import { laneSumF32 } from './wasm-scan.js';

const { get, set, tee } = op;

/** Rows per pass of `dotsTileF32Seq`. */
export const F32_TILE = 4;

/**
 * tile(a, first, groups, n, out): row `a` (n float32, n a multiple of 4·chunks, byte offset)
 * against rows·groups consecutive rows of n floats from byte offset `first`; one float32 per row
 * to `out`. `chunks` 4-float chunks per iteration, each (row, chunk slot) with its own
 * accumulator. Params 0 a, 1 first, 2 groups, 3 n, 4 out; locals i32 5 pa, 6 end, 7 row bytes,
 * then `rows` row pointers; v128 the chunks, then the accumulators (row p, chunk h).
 */
function tileFn(exportName: string, rows: number, chunkCount: number): WasmFunction {
  const ptr = (p: number) => 8 + p;
  const chunk = (h: number) => 8 + rows + h;
  const acc = (p: number, h: number) => 8 + rows + chunkCount + p * chunkCount + h;
  const tile = Array.from({ length: rows }, (_, p) => p);
  const chunks = Array.from({ length: chunkCount }, (_, h) => h);
  const mac = (p: number, h: number) => [...get(acc(p, h)), ...get(chunk(h)), ...get(ptr(p)), ...op.v128Load(16 * h), ...op.f32x4Mul, ...op.f32x4Add, ...set(acc(p, h))];
  const sum = (p: number) => [...get(acc(p, 0)), ...chunks.slice(1).flatMap((h) => [...get(acc(p, h)), ...op.f32x4Add]), ...set(acc(p, 0)), ...laneSumF32(acc(p, 0))];
  return {
    exportName,
    params: [T.i32, T.i32, T.i32, T.i32, T.i32],
    results: [],
    locals: [[T.i32, 3 + rows], [T.v128, chunkCount + rows * chunkCount]],
    body: [
      ...get(3), ...op.i32(2), ...op.i32Shl, ...tee(7),
      ...get(0), ...op.i32Add, ...set(6),
      ...op.block, ...op.loop,
      ...get(2), ...op.i32Eqz, ...op.brIf(1),
      ...tile.flatMap((p) => [
        ...get(1), ...op.i32(p), ...get(7), ...op.i32Mul, ...op.i32Add, ...set(ptr(p)),
        ...chunks.flatMap((h) => [...op.v128Zero, ...set(acc(p, h))]),
      ]),
      ...get(0), ...set(5),
      ...op.loop,
      ...chunks.flatMap((h) => [...get(5), ...op.v128Load(16 * h), ...set(chunk(h)), ...tile.flatMap((p) => mac(p, h))]),
      ...tile.flatMap((p) => [...get(ptr(p)), ...op.i32(16 * chunkCount), ...op.i32Add, ...set(ptr(p))]),
      ...get(5), ...op.i32(16 * chunkCount), ...op.i32Add, ...tee(5),
      ...get(6), ...op.i32LtU, ...op.brIf(0),
      ...op.end,
      ...tile.flatMap((p) => [...get(4), ...sum(p), ...op.f32Store(4 * p)]),
      ...get(4), ...op.i32(4 * rows), ...op.i32Add, ...set(4),
      ...get(1), ...get(7), ...op.i32(rows), ...op.i32Mul, ...op.i32Add, ...set(1),
      ...get(2), ...op.i32(1), ...op.i32Sub, ...set(2),
      ...op.br(0),
      ...op.end, ...op.end,
    ],
  };
}

/** `dotsTileF32Seq(a, first, groups, n, out)`: four consecutive rows per pass (see {@link tileFn}). */
export const dotsTileF32SeqFn: WasmFunction = tileFn('dotsTileF32Seq', F32_TILE, 1);

/** `dotsRowF32Seq(a, first, count, n, out)`: the same dots one row at a time (a run's last 1–3 rows). */
export const dotsRowF32SeqFn: WasmFunction = tileFn('dotsRowF32Seq', 1, 4);

/**
 * Bound on |tiled float32 dot − exact dot| / (‖a‖·‖b‖) for rows of `n` floats (padded to a
 * multiple of 16) through `dotsTileF32Seq` / `dotsRowF32Seq`: a lane sums at most ⌈n/4⌉ rounded
 * products (the tile; the single row ⌈n/16⌉), then at most four levels of reduction: γ_m with
 * m = ⌈n/4⌉ + 5, u = 2⁻²⁴, plus slack for a double-precision reference. Valid when no product or
 * sum overflows or underflows (see `F32_SAFE_NORM_PRODUCT`).
 */
export function f32TileDotBound(n: number): number {
  const m = Math.ceil(n / 4) + 5;
  const u = 2 ** -24;
  return (m * u) / (1 - m * u) + 1e-12;
}
