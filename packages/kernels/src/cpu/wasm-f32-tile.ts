/**
 * Register-tiled float32 dots of one row against consecutive rows, for screening with a
 * rounding bound ({@link f32TileDotBound}): each 4-float chunk of the row is loaded once per
 * tile of {@link F32_TILE} rows, one f32x4 accumulator per row (the tile's four independent
 * additions per iteration keep the adder busy); a run's last 1–3 rows go one at a time with more
 * accumulators. The pair kernels take two rows at once, so each chunk of the consecutive rows
 * serves both. Measured on Node 20 (1024 floats, runs of 40 rows): about 21 GMAC/s for the tile,
 * 17 for one row at a time, 29–31 for the pair tile; two accumulators per row in a one-row tile of
 * four spill (11 GMAC/s). The reads of the consecutive rows bound the speed, not the arithmetic.
 */

import { op, T, type WasmFunction } from './wasm-asm.js';
import { laneSumF32 } from './wasm-scan.js';

const { get, set, tee } = op;

/** Rows per pass of `dotsTileF32Seq`. */
export const F32_TILE = 4;

/**
 * tile(a₀ … a_{tokens−1}, first, groups, n, out[, outStride]): each of `tokens` rows (n float32,
 * n a multiple of 4·chunks, byte offsets) against rows·groups consecutive rows of n floats from
 * byte offset `first` (`listed`: against the rows whose byte offsets are listed, one i32 each,
 * from byte offset `first`); the floats go to `out` row by row, the tokens' dots with one row together
 * (out[r·S + t], S = `outStride` floats for two tokens, else 1). `chunks` 4-float chunks per
 * iteration, each (token, row, chunk slot) with its own accumulator; each chunk of a row is
 * loaded once for all tokens. Params: the tokens, then first, groups, n, out (and outStride);
 * locals i32 off (bytes into the row), row bytes, output bytes per row, `rows` row pointers; v128
 * the tokens' chunks, the accumulators (token, row, chunk), the row chunk.
 */
function tileFn(exportName: string, tokens: number, rows: number, chunkCount: number, listed = false): WasmFunction {
  const [FIRST, GROUPS, N, OUT] = [tokens, tokens + 1, tokens + 2, tokens + 3];
  const strided = tokens > 1;
  const params = tokens + 4 + (strided ? 1 : 0);
  const [OFF, ROW_BYTES, OUT_BYTES] = [params, params + 1, params + 2];
  const ptr = (p: number) => params + 3 + p;
  const v128 = params + 3 + rows;
  const chunk = (t: number, h: number) => v128 + t * chunkCount + h;
  const acc = (t: number, p: number, h: number) => v128 + tokens * chunkCount + (t * rows + p) * chunkCount + h;
  const B = v128 + tokens * chunkCount + tokens * rows * chunkCount;
  const toks = Array.from({ length: tokens }, (_, t) => t);
  const tile = Array.from({ length: rows }, (_, p) => p);
  const chunks = Array.from({ length: chunkCount }, (_, h) => h);
  const mac = (p: number, h: number) => [
    ...get(ptr(p)), ...op.v128Load(16 * h), ...set(B),
    ...toks.flatMap((t) => [...get(acc(t, p, h)), ...get(chunk(t, h)), ...get(B), ...op.f32x4Mul, ...op.f32x4Add, ...set(acc(t, p, h))]),
  ];
  const sum = (t: number, p: number) => [
    ...get(acc(t, p, 0)), ...chunks.slice(1).flatMap((h) => [...get(acc(t, p, h)), ...op.f32x4Add]), ...set(acc(t, p, 0)),
    ...laneSumF32(acc(t, p, 0)),
  ];
  return {
    exportName,
    params: Array.from({ length: params }, () => T.i32),
    results: [],
    locals: [[T.i32, 3 + rows], [T.v128, tokens * chunkCount + tokens * rows * chunkCount + 1]],
    body: [
      ...get(N), ...op.i32(2), ...op.i32Shl, ...set(ROW_BYTES),
      ...(strided ? [...get(tokens + 4), ...op.i32(2), ...op.i32Shl] : op.i32(4 * tokens)), ...set(OUT_BYTES),
      ...op.block, ...op.loop,
      ...get(GROUPS), ...op.i32Eqz, ...op.brIf(1),
      ...tile.flatMap((p) => [
        ...(listed ? [...get(FIRST), ...op.i32Load(4 * p)] : [...get(FIRST), ...op.i32(p), ...get(ROW_BYTES), ...op.i32Mul, ...op.i32Add]), ...set(ptr(p)),
        ...toks.flatMap((t) => chunks.flatMap((h) => [...op.v128Zero, ...set(acc(t, p, h))])),
      ]),
      ...op.i32(0), ...set(OFF),
      ...op.loop,
      ...chunks.flatMap((h) => [
        ...toks.flatMap((t) => [...get(t), ...get(OFF), ...op.i32Add, ...op.v128Load(16 * h), ...set(chunk(t, h))]),
        ...tile.flatMap((p) => mac(p, h)),
      ]),
      ...tile.flatMap((p) => [...get(ptr(p)), ...op.i32(16 * chunkCount), ...op.i32Add, ...set(ptr(p))]),
      ...get(OFF), ...op.i32(16 * chunkCount), ...op.i32Add, ...tee(OFF),
      ...get(ROW_BYTES), ...op.i32LtU, ...op.brIf(0),
      ...op.end,
      ...tile.flatMap((p) => toks.flatMap((t) => [...get(OUT), ...get(OUT_BYTES), ...op.i32(p), ...op.i32Mul, ...op.i32Add, ...sum(t, p), ...op.f32Store(4 * t)])),
      ...get(OUT), ...get(OUT_BYTES), ...op.i32(rows), ...op.i32Mul, ...op.i32Add, ...set(OUT),
      ...(listed ? [...get(FIRST), ...op.i32(4 * rows)] : [...get(FIRST), ...get(ROW_BYTES), ...op.i32(rows), ...op.i32Mul]), ...op.i32Add, ...set(FIRST),
      ...get(GROUPS), ...op.i32(1), ...op.i32Sub, ...set(GROUPS),
      ...op.br(0),
      ...op.end, ...op.end,
    ],
  };
}

/** `dotsTileF32Seq(a, first, groups, n, out)`: four consecutive rows per pass (see {@link tileFn}). */
export const dotsTileF32SeqFn: WasmFunction = tileFn('dotsTileF32Seq', 1, F32_TILE, 1);

/**
 * `dotsTileF32(a, list, groups, n, out)`: {@link dotsTileF32SeqFn} against 4·groups rows anywhere
 * in memory, their byte offsets listed at `list` (the rows are read as in the consecutive form).
 */
export const dotsTileF32Fn: WasmFunction = tileFn('dotsTileF32', 1, F32_TILE, 1, true);

/** `dotsRowF32Seq(a, first, count, n, out)`: the same dots one row at a time (a run's last 1–3 rows). */
export const dotsRowF32SeqFn: WasmFunction = tileFn('dotsRowF32Seq', 1, 1, 4);

/**
 * `dotsPairTileF32Seq(a, b, first, groups, n, out, outStride)`: two rows against four consecutive
 * rows per pass, each row chunk loaded once for both (out[r·outStride], out[r·outStride + 1]).
 */
export const dotsPairTileF32SeqFn: WasmFunction = tileFn('dotsPairTileF32Seq', 2, F32_TILE, 1);

/**
 * `dotsPairTileF32(a, b, list, groups, n, out, outStride)`: {@link dotsPairTileF32SeqFn} against
 * 4·groups rows whose byte offsets are listed at `list`.
 */
export const dotsPairTileF32Fn: WasmFunction = tileFn('dotsPairTileF32', 2, F32_TILE, 1, true);

/** `dotsPairRowF32Seq(a, b, first, count, n, out, outStride)`: the pair's dots one row at a time (a run's last 1–3 rows). */
export const dotsPairRowF32SeqFn: WasmFunction = tileFn('dotsPairRowF32Seq', 2, 1, 2);

/**
 * Bound on |tiled float32 dot − exact dot| / (‖a‖·‖b‖) for rows of `n` floats (padded to a
 * multiple of 16) through the kernels of this file: a lane sums at most ⌈n/4⌉ rounded products
 * (the tiles; the single rows ⌈n/16⌉ or ⌈n/8⌉), then at most four levels of reduction: γ_m with
 * m = ⌈n/4⌉ + 5, u = 2⁻²⁴, plus slack for a double-precision reference. Valid when no product or
 * sum overflows or underflows (see `F32_SAFE_NORM_PRODUCT`).
 */
export function f32TileDotBound(n: number): number {
  const m = Math.ceil(n / 4) + 5;
  const u = 2 ** -24;
  return (m * u) / (1 - m * u) + 1e-12;
}

/**
 * Bound on |`SimdRowStore.dotsQuadF32` value − exact dot| / (‖a‖·‖b‖) for rows of `n` floats
 * (padded): those dots run in the pair kernels of this file, so it is {@link f32TileDotBound}
 * (γ_m with m = ⌈n/4⌉ + 5). Valid when no product or sum overflows or underflows (see
 * `F32_SAFE_NORM_PRODUCT`).
 */
export function f32QuadDotBound(n: number): number {
  return f32TileDotBound(n);
}
