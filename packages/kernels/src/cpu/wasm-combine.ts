/**
 * `combineRowsF64(x, a, first, coef, count, n, inv, out)`: one double row
 * out[k] = (a·x[k] − Σ_{q<count} coef[q]·rows_q[k]) · inv, for k < n (n a multiple of 2), with the
 * `count` double rows consecutive from byte offset `first` (n doubles apart) and their doubles
 * `coef`; each element's terms are subtracted in q order, then scaled. This is one Gram–Schmidt
 * step (CDPruner's screening basis: a pick's unit row minus its projections on the earlier basis
 * rows, over its Cholesky scale). The rows are read four at a time, so one pass over `out`
 * serves four of them. `out` may not overlap `x` or the rows.
 */

import { op, T, type WasmFunction } from './wasm-asm.js';

const { get, set, tee } = op;

// Params 0 x, 1 a, 2 first, 3 coef, 4 count, 5 n, 6 inv, 7 out; locals i32 8 k, 9 end,
// 10 q, 11 row bytes, 12–15 row pointers; v128 16–19 coefficient splats, 20 value.
const [K, END, Q, ROW_BYTES, PTR, C, V] = [8, 9, 10, 11, 12, 16, 20];

/** A pass over out[0 … n): `value` ← `step(value)` per f64x2 (on the stack: nothing; leaves nothing). */
function pass(step: number[]): number[] {
  return [
    ...op.i32(0), ...set(K),
    ...op.block, ...op.loop,
    ...get(K), ...get(END), ...op.i32GeU, ...op.brIf(1),
    ...get(7), ...get(K), ...op.i32Add,
    ...step,
    ...op.v128Store(0),
    ...get(K), ...op.i32(16), ...op.i32Add, ...set(K),
    ...op.br(0),
    ...op.end, ...op.end,
  ];
}

/** The value out[k] (f64x2) on the stack. */
const current = [...get(7), ...get(K), ...op.i32Add, ...op.v128Load(0)];

/** Subtracts `rows` consecutive rows (from row q) times their coefficients; advances q. */
function subtractRows(rows: number): number[] {
  const setup = Array.from({ length: rows }, (_, p) => [
    ...get(2), ...get(Q), ...op.i32(p), ...op.i32Add, ...get(ROW_BYTES), ...op.i32Mul, ...op.i32Add, ...set(PTR + p),
    ...get(3), ...get(Q), ...op.i32(p), ...op.i32Add, ...op.i32(3), ...op.i32Shl, ...op.i32Add, ...op.f64Load(0), ...op.f64x2Splat, ...set(C + p),
  ]).flat();
  const step = [
    ...current, ...set(V),
    ...Array.from({ length: rows }, (_, p) => [...get(V), ...get(C + p), ...get(PTR + p), ...get(K), ...op.i32Add, ...op.v128Load(0), ...op.f64x2Mul, ...op.f64x2Sub, ...set(V)]).flat(),
    ...get(V),
  ];
  return [...setup, ...pass(step), ...get(Q), ...op.i32(rows), ...op.i32Add, ...set(Q)];
}

/** See the module comment. */
export const combineRowsF64Fn: WasmFunction = {
  exportName: 'combineRowsF64',
  params: [T.i32, T.f64, T.i32, T.i32, T.i32, T.i32, T.f64, T.i32],
  results: [],
  locals: [[T.i32, 8], [T.v128, 5]],
  body: [
    ...get(5), ...op.i32(3), ...op.i32Shl, ...tee(ROW_BYTES), ...set(END),
    ...get(1), ...op.f64x2Splat, ...set(C),
    ...pass([...get(0), ...get(K), ...op.i32Add, ...op.v128Load(0), ...get(C), ...op.f64x2Mul]),
    ...op.i32(0), ...set(Q),
    ...op.block, ...op.loop,
    ...get(4), ...get(Q), ...op.i32(4), ...op.i32Add, ...op.i32LtS, ...op.brIf(1),
    ...subtractRows(4),
    ...op.br(0),
    ...op.end, ...op.end,
    ...op.block, ...op.loop,
    ...get(Q), ...get(4), ...op.i32LtS, ...op.i32Eqz, ...op.brIf(1),
    ...subtractRows(1),
    ...op.br(0),
    ...op.end, ...op.end,
    ...get(6), ...op.f64x2Splat, ...set(C),
    ...pass([...current, ...get(C), ...op.f64x2Mul]),
  ],
};
