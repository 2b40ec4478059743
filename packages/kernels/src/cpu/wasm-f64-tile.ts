/**
 * Register-tiled double-precision kernels: one float32 row against a tile of rows already
 * promoted to double, so each pair of the row's floats is loaded and promoted once per tile and
 * the inner loop is one 128-bit load, an f64x2 multiply and an add per two floats per tile row.
 * Each value is a double dot in its own summation order. Shapes were measured on Node 20: four
 * rows take one f64x2 accumulator each (four floats per iteration; V8 keeps 16 SIMD registers,
 * more accumulators spill and run slower), a single row four (eight floats per iteration, so the
 * additions do not wait on each other).
 */

import { op, T, type WasmFunction } from './wasm-asm.js';

const { get, set } = op;

/** Rows per pass of `dotsTileF64`. */
export const F64_TILE = 4;

/** Width multiple the tiled kernels need (floats per inner iteration of the single-row kernel). */
export const F64_TILE_WIDTH = 8;

/**
 * tile(a, list, groups, n, out): row `a` (n float32, n a multiple of 2·pairs, byte offset)
 * against the rows·groups double rows whose byte offsets are listed at `list` (i32 each); the
 * doubles go to `out`; `pairs` float pairs per iteration, each row's products summed in
 * min(pairs, accs) f64x2 accumulators (pair h into h mod accs). Params 0 a, 1 list, 2 groups,
 * 3 n, 4 out; locals 5 pa, 6 end, then `rows` row pointers, the promoted pairs, the accumulators.
 */
function tileFn(exportName: string, rows: number, pairs: number, accs: number): WasmFunction {
  const ptr = (p: number) => 7 + p;
  const pair = (h: number) => 7 + rows + h;
  const acc = (p: number, h: number) => 7 + rows + pairs + p * accs + (h % accs);
  const tile = Array.from({ length: rows }, (_, p) => p);
  const halves = Array.from({ length: pairs }, (_, h) => h);
  const mac = (p: number, h: number) => [...get(acc(p, h)), ...get(pair(h)), ...get(ptr(p)), ...op.v128Load(16 * h), ...op.f64x2Mul, ...op.f64x2Add, ...set(acc(p, h))];
  const promote = (h: number) => [...get(5), ...op.v128Load64Zero(8 * h), ...op.f64x2PromoteLow, ...set(pair(h))];
  const sum = (p: number) => {
    const out = [...get(acc(p, 0))];
    for (let h = 1; h < accs; h++) out.push(...get(acc(p, h)), ...op.f64x2Add);
    return [...out, ...set(acc(p, 0)), ...get(acc(p, 0)), ...op.f64x2Lane(0), ...get(acc(p, 0)), ...op.f64x2Lane(1), ...op.f64Add];
  };
  return {
    exportName,
    params: [T.i32, T.i32, T.i32, T.i32, T.i32],
    results: [],
    locals: [[T.i32, 2 + rows], [T.v128, pairs + rows * accs]],
    body: [
      ...get(0), ...get(3), ...op.i32(2), ...op.i32Shl, ...op.i32Add, ...set(6),
      ...op.block, ...op.loop,
      ...get(2), ...op.i32Eqz, ...op.brIf(1),
      ...tile.flatMap((p) => [...get(1), ...op.i32Load(4 * p), ...set(ptr(p)), ...Array.from({ length: accs }, (_, h) => [...op.v128Zero, ...set(acc(p, h))]).flat()]),
      ...get(0), ...set(5),
      ...op.loop,
      ...halves.flatMap((h) => [...promote(h), ...tile.flatMap((p) => mac(p, h))]),
      ...tile.flatMap((p) => [...get(ptr(p)), ...op.i32(16 * pairs), ...op.i32Add, ...set(ptr(p))]),
      ...get(5), ...op.i32(8 * pairs), ...op.i32Add, ...op.tee(5),
      ...get(6), ...op.i32LtU, ...op.brIf(0),
      ...op.end,
      ...tile.flatMap((p) => [...get(4), ...sum(p), ...op.f64Store(8 * p)]),
      ...get(4), ...op.i32(8 * rows), ...op.i32Add, ...set(4),
      ...get(1), ...op.i32(4 * rows), ...op.i32Add, ...set(1),
      ...get(2), ...op.i32(1), ...op.i32Sub, ...set(2),
      ...op.br(0),
      ...op.end, ...op.end,
    ],
  };
}

/** `dotsTileF64(a, list, groups, n, out)`: four listed double rows per pass (see {@link tileFn}; n a multiple of 4). */
export const dotsTileF64Fn: WasmFunction = tileFn('dotsTileF64', F64_TILE, 2, 1);

/** `dotsF64Rows(a, list, count, n, out)`: the same dots one listed row at a time (for a run's last 1–3 rows; n a multiple of {@link F64_TILE_WIDTH}). */
export const dotsF64RowsFn: WasmFunction = tileFn('dotsF64Rows', 1, F64_TILE_WIDTH / 2, 4);
