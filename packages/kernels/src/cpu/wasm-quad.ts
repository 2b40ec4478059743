/**
 * `dotsQuadF32(quad, first, count, n, out)`: float32 dots of 4 rows (their byte offsets listed at
 * `quad`) with `count` (even) consecutive rows from byte offset `first`, in a 2 × 4 register
 * tile: each 4-float load of a quad row serves two rows, one f32x4 accumulator per (row, quad
 * row), 8 floats per iteration. Writes 4 floats per row to `out` (row-major [count × 4]). Each
 * lane sums n/4 products in order, then two levels of reduction: the bound is
 * {@link f32QuadDotBound}. Rows of n floats, n a multiple of 8.
 */

import { op, T, type WasmFunction } from './wasm-asm.js';
import { laneSumF32, tile2x4Step } from './wasm-scan.js';

const { get, set, tee } = op;

/** Params 0 quad, 1 first, 2 count, 3 n, 4 out; locals 5 pr, 6 pr2, 7 end, 8 off, 9..12 quad rows; v128 13..20 acc, 21, 22 rows, 23 quad chunk. */
export const dotsQuadF32Fn: WasmFunction = (() => {
  const Q = 9;
  const ACC = 13;
  const X = 21;
  const V = 23;
  const half = (h: number) => tile2x4Step(5, 6, 16 * h, X, V, ACC, (p) => [...get(Q + p), ...get(8), ...op.i32Add, ...op.v128Load(16 * h)]);
  const store = (l: number, offset: number) => [...get(4), ...laneSumF32(l), ...op.f32Store(offset)];
  return {
    exportName: 'dotsQuadF32',
    params: [T.i32, T.i32, T.i32, T.i32, T.i32],
    results: [],
    locals: [[T.i32, 8], [T.v128, 11]],
    body: [
      ...[0, 1, 2, 3].flatMap((p) => [...get(0), ...op.i32Load(4 * p), ...set(Q + p)]),
      ...get(1), ...set(5),
      ...op.block,
      ...op.loop,
      ...get(2), ...op.i32Eqz, ...op.brIf(1),
      ...op.i32(0), ...set(8),
      ...get(5), ...get(3), ...op.i32(2), ...op.i32Shl, ...op.i32Add, ...tee(7), ...set(6),
      ...Array.from({ length: 8 }, (_, k) => [...op.v128Zero, ...set(ACC + k)]).flat(),
      ...op.loop,
      ...half(0), ...half(1),
      ...get(8), ...op.i32(32), ...op.i32Add, ...set(8),
      ...get(6), ...op.i32(32), ...op.i32Add, ...set(6),
      ...get(5), ...op.i32(32), ...op.i32Add, ...tee(5), ...get(7), ...op.i32LtU, ...op.brIf(0),
      ...op.end,
      ...[0, 1, 2, 3].flatMap((p) => [...store(ACC + p, 4 * p), ...store(ACC + 4 + p, 16 + 4 * p)]),
      ...get(4), ...op.i32(32), ...op.i32Add, ...set(4),
      ...get(6), ...set(5),
      ...get(2), ...op.i32(2), ...op.i32Sub, ...set(2),
      ...op.br(0),
      ...op.end,
      ...op.end,
    ],
  };
})();

/**
 * Bound on |dotsQuadF32 value − exact dot| / (‖a‖·‖b‖) for rows of `n` floats (padded): each lane
 * sums ⌈n/4⌉ rounded products, then two levels of reduction: γ_m with m = ⌈n/4⌉ + 5, u = 2⁻²⁴,
 * plus slack for the double-precision reference. Valid when no product or sum overflows or
 * underflows (see `F32_SAFE_NORM_PRODUCT`).
 */
export function f32QuadDotBound(n: number): number {
  const m = Math.ceil(n / 4) + 5;
  const u = 2 ** -24;
  return (m * u) / (1 - m * u) + 1e-12;
}
