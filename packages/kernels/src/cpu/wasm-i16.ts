/**
 * The float-to-int16 step of the coarse cosine screen ({@link QuantizedRows}), assembled into the
 * dot module: `quantizeI16(src, dst, n, sigma) → f32`. For 8 floats per iteration: y = x·sigma
 * (f32x4), q = nearest(y) narrowed to int16 (saturating, never reached for |y| < 32767), and
 * Σ (y − q)² in one f32x4 accumulator (y − q is exact: q is the integer nearest y). The caller
 * turns that sum into a rigorous bound of the rounding residual (float32 rounding of x·sigma and
 * of the sum included).
 */

import { op, T, type WasmFunction } from './wasm-asm.js';

const { get, set, tee } = op;

/** Params 0 src, 1 dst, 2 n, 3 sigma; locals 4 end, 5 sigma×4, 6 acc, 7 y0, 8 y1, 9 q0, 10 q1. */
export const quantizeI16Fn: WasmFunction = {
  exportName: 'quantizeI16',
  params: [T.i32, T.i32, T.i32, T.f32],
  results: [T.f32],
  locals: [[T.i32, 1], [T.v128, 6]],
  body: [
    ...get(0), ...get(2), ...op.i32(2), ...op.i32Shl, ...op.i32Add, ...set(4),
    ...get(3), ...op.f32x4Splat, ...set(5),
    ...op.v128Zero, ...set(6),
    ...op.block, ...op.loop,
    ...get(0), ...get(4), ...op.i32GeU, ...op.brIf(1),
    ...get(0), ...op.v128Load(0), ...get(5), ...op.f32x4Mul, ...tee(7), ...op.f32x4Nearest, ...set(9),
    ...get(0), ...op.v128Load(16), ...get(5), ...op.f32x4Mul, ...tee(8), ...op.f32x4Nearest, ...set(10),
    ...get(1),
    ...get(9), ...op.i32x4TruncSatF32x4S, ...get(10), ...op.i32x4TruncSatF32x4S, ...op.i16x8NarrowI32x4S,
    ...op.v128Store(0),
    ...get(7), ...get(9), ...op.f32x4Sub, ...tee(7), ...get(7), ...op.f32x4Mul, ...get(6), ...op.f32x4Add, ...set(6),
    ...get(8), ...get(10), ...op.f32x4Sub, ...tee(8), ...get(8), ...op.f32x4Mul, ...get(6), ...op.f32x4Add, ...set(6),
    ...get(0), ...op.i32(32), ...op.i32Add, ...set(0),
    ...get(1), ...op.i32(16), ...op.i32Add, ...set(1),
    ...op.br(0),
    ...op.end, ...op.end,
    ...get(6), ...op.f32x4Lane(0), ...get(6), ...op.f32x4Lane(1), ...op.f32Add,
    ...get(6), ...op.f32x4Lane(2), ...get(6), ...op.f32x4Lane(3), ...op.f32Add, ...op.f32Add,
  ],
};
