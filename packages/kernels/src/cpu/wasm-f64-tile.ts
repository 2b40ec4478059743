/**
 * A register-tiled double-precision kernel: one float32 row against a tile of other rows, so
 * each pair of the row's floats is loaded and promoted once per tile; each value is a double
 * dot in its own summation order (f64x2 accumulators).
 */

import { op, T, type WasmFunction } from './wasm-asm.js';

const { get, set } = op;

/** Shape of a tiled kernel: rows per pass, float pairs per iteration, accumulators per row, whether the tile rows are float32 (else already double). */
export interface TileShape {
  rows: number;
  pairs: number;
  accs: number;
  f32: boolean;
}

/** Rows per pass of {@link dotsTileF64Fn}. */
export const F64_TILE = 4;

/**
 * tile(a, list, groups, n, out): row `a` (n float32, n a multiple of 2·pairs, byte offset)
 * against the rows·groups rows whose byte offsets are listed at `list` (i32 each); the doubles
 * go to `out`. Params 0 a, 1 list, 2 groups, 3 n, 4 out; locals 5 pa, 6 end, then row pointers,
 * promoted floats and accumulators.
 */
export function tileFn(exportName: string, shape: TileShape): WasmFunction {
  const { rows, pairs, accs, f32 } = shape;
  const ptr = (p: number) => 7 + p;
  const cand = (h: number) => 7 + rows + h;
  const acc = (p: number, h: number) => 7 + rows + pairs + accs * p + (h % accs);
  const rowBytes = f32 ? 8 : 16;
  const tileLoad = (p: number, h: number) => (f32 ? [...get(ptr(p)), ...op.v128Load64Zero(8 * h), ...op.f64x2PromoteLow] : [...get(ptr(p)), ...op.v128Load(16 * h)]);
  const mac = (p: number, h: number) => [...get(acc(p, h)), ...get(cand(h)), ...tileLoad(p, h), ...op.f64x2Mul, ...op.f64x2Add, ...set(acc(p, h))];
  const promote = (h: number) => [...get(5), ...op.v128Load64Zero(8 * h), ...op.f64x2PromoteLow, ...set(cand(h))];
  const list = Array.from({ length: rows }, (_, p) => p);
  const halves = Array.from({ length: pairs }, (_, h) => h);
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
      ...list.flatMap((p) => [...get(1), ...op.i32Load(4 * p), ...set(ptr(p))]),
      ...list.flatMap((p) => Array.from({ length: accs }, (_, h) => [...op.v128Zero, ...set(acc(p, h))]).flat()),
      ...get(0), ...set(5),
      ...op.loop,
      ...halves.flatMap((h) => [...promote(h), ...list.flatMap((p) => mac(p, h))]),
      ...list.flatMap((p) => [...get(ptr(p)), ...op.i32(rowBytes * pairs), ...op.i32Add, ...set(ptr(p))]),
      ...get(5), ...op.i32(8 * pairs), ...op.i32Add, ...op.tee(5),
      ...get(6), ...op.i32LtU, ...op.brIf(0),
      ...op.end,
      ...list.flatMap((p) => [...get(4), ...sum(p), ...op.f64Store(8 * p)]),
      ...get(4), ...op.i32(8 * rows), ...op.i32Add, ...set(4),
      ...get(1), ...op.i32(4 * rows), ...op.i32Add, ...set(1),
      ...get(2), ...op.i32(1), ...op.i32Sub, ...set(2),
      ...op.br(0),
      ...op.end, ...op.end,
    ],
  };
}

/** The tiled kernel CDPruner's lazy refresh uses (export `dotsTileF64`). */
export const dotsTileF64Fn: WasmFunction = tileFn('dotsTileF64', { rows: F64_TILE, pairs: 2, accs: 1, f32: false });
