/**
 * `float32Json(src, count, dst, tables) → end`: the JSON text of `count` doubles at `src` (8 bytes
 * each) that are float32 values, comma-separated, written from `dst`; returns the byte offset
 * after the text, or −1 (at the first value) when a value is not a finite float32 value. The text
 * is byte for byte what `writeFloat32Array` of `@d2pruner/core` writes: at most 9 significant
 * digits (d = round(v·10^(8−e)) with the same correctly rounded powers of ten), trailing zeros
 * dropped, JavaScript's number notation (plain for 10⁻⁶ ≤ |v| < 10²¹, else `d.ddde±x`), `0` for
 * ±0. `tables` holds core's `float32JsonTables`: the doubles 10^k for k = −64 … 63 (1024 bytes),
 * then the digit pairs '00' … '99' as little-endian 16-bit words.
 */

import { FLOAT32_JSON_POW_MIN } from '@d2pruner/core';
import { op, T, type WasmFunction } from './wasm-asm.js';

const { get, set } = op;

/** Byte offset of the digit pairs in the tables. */
export const FLOAT_JSON_PAIRS_AT = 1024;

// Params 0 src, 1 count, 2 dst, 3 tables; locals i32 4 i, 5 end, 6 p, 7 e10, 8 d, 9 count,
// 10 t, 11 k, 12 hi, 13 lo, 14 h, 15 a, 16 l, 17 at; f64 18 v, 19 x.
const [I, END, P, E10, D, COUNT, TT, K, HI, LO, H, A, L, AT, V, X] = [4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19];

const add = (local: number, by: number[]): number[] => [...get(local), ...by, ...op.i32Add, ...set(local)];
const inc = (local: number, n = 1): number[] => add(local, op.i32(n));
/** Writes the byte `code` at p and moves p on. */
const putc = (code: number): number[] => [...get(P), ...op.i32(code), ...op.i32Store8(0), ...inc(P)];
/** x = v · 10^(8 − e10). */
const scale = [...get(V), ...get(3), ...op.i32(8 - FLOAT32_JSON_POW_MIN), ...get(E10), ...op.i32Sub, ...op.i32(3), ...op.i32Shl, ...op.i32Add, ...op.f64Load(0), ...op.f64Mul, ...set(X)];
/** The 16-bit digit pair of the value `n` pushes. */
const pair = (n: number[]): number[] => [...get(3), ...n, ...op.i32(1), ...op.i32Shl, ...op.i32Add, ...op.i32Load16U(FLOAT_JSON_PAIRS_AT)];
/** Writes the 9 digits of d at the address `at` pushes. */
const write9 = (at: number[]): number[] => [
  ...at, ...set(AT),
  ...get(D), ...op.i32(10000), ...op.i32DivU, ...set(HI),
  ...get(D), ...get(HI), ...op.i32(10000), ...op.i32Mul, ...op.i32Sub, ...set(LO),
  ...get(HI), ...op.i32(100), ...op.i32DivU, ...set(H),
  ...get(H), ...op.i32(100), ...op.i32DivU, ...set(A),
  ...get(LO), ...op.i32(100), ...op.i32DivU, ...set(L),
  ...get(AT), ...get(A), ...op.i32(48), ...op.i32Add, ...op.i32Store8(0),
  ...get(AT), ...pair([...get(H), ...get(A), ...op.i32(100), ...op.i32Mul, ...op.i32Sub]), ...op.i32Store16(1),
  ...get(AT), ...pair([...get(HI), ...get(H), ...op.i32(100), ...op.i32Mul, ...op.i32Sub]), ...op.i32Store16(3),
  ...get(AT), ...pair(get(L)), ...op.i32Store16(5),
  ...get(AT), ...pair([...get(LO), ...get(L), ...op.i32(100), ...op.i32Mul, ...op.i32Sub]), ...op.i32Store16(7),
];
const pPlus = (n: number): number[] => [...get(P), ...op.i32(n), ...op.i32Add];
/** `while (k cmp e10) { body }` with `cmp` the exit test (k exit e10 leaves the loop). */
const loopUntil = (exit: readonly number[], body: number[]): number[] => [
  ...op.block, ...op.loop,
  ...get(K), ...get(E10), ...exit, ...op.brIf(1),
  ...body,
  ...op.br(0),
  ...op.end, ...op.end,
];

/** e10 = floor(log10 v) from the binary exponent (off by at most one), fixed so that 10⁸ − ½ ≤ x < 10⁹ − ½. */
const exponent = [
  ...get(V), ...op.i64ReinterpretF64, ...op.i64Const(52), ...op.i64ShrU, ...op.i32WrapI64, ...op.i32(2047), ...op.i32And,
  ...op.i32(1023), ...op.i32Sub, ...op.i32(1233), ...op.i32Mul, ...op.i32(12), ...op.i32ShrS, ...set(E10),
  ...scale,
  ...get(X), ...op.f64Const(999999999.5), ...op.f64Ge,
  ...op.if,
  ...inc(E10), ...scale,
  ...op.else,
  ...get(X), ...op.f64Const(99999999.5), ...op.f64Lt,
  ...op.if,
  ...inc(E10, -1), ...scale,
  ...get(X), ...op.f64Const(999999999.5), ...op.f64Ge,
  ...op.if, ...inc(E10), ...scale, ...op.end,
  ...op.end,
  ...op.end,
  ...get(X), ...op.f64Const(0.5), ...op.f64Add, ...op.i32TruncF64S, ...set(D),
  // significant digits: 9 less the trailing zeros
  ...op.i32(9), ...set(COUNT), ...get(D), ...set(TT),
  ...op.block, ...op.loop,
  ...get(TT), ...op.i32(10), ...op.i32RemU, ...op.brIf(1),
  ...inc(COUNT, -1),
  ...get(TT), ...op.i32(10), ...op.i32DivU, ...set(TT),
  ...op.br(0),
  ...op.end, ...op.end,
];

/** 0 ≤ e10 < 21: an integer (digits then zeros) or digits with a '.' after e10 + 1 of them. */
const plainLarge = [
  ...get(COUNT), ...get(E10), ...op.i32(1), ...op.i32Add, ...op.i32LeS,
  ...op.if,
  ...write9(get(P)),
  ...get(E10), ...op.i32(9), ...op.i32LtS,
  ...op.if,
  ...add(P, [...get(E10), ...op.i32(1), ...op.i32Add]),
  ...op.else,
  ...inc(P, 9), ...op.i32(9), ...set(K),
  ...loopUntil(op.i32GtS, [...putc(48), ...inc(K)]),
  ...op.end,
  ...op.else,
  ...write9(pPlus(1)),
  ...op.i32(0), ...set(K),
  ...loopUntil(op.i32GtS, [...get(P), ...get(K), ...op.i32Add, ...get(P), ...get(K), ...op.i32Add, ...op.i32Load8U(1), ...op.i32Store8(0), ...inc(K)]),
  ...get(P), ...get(E10), ...op.i32Add, ...op.i32(46), ...op.i32Store8(1),
  ...add(P, [...get(COUNT), ...op.i32(1), ...op.i32Add]),
  ...op.end,
];

/** −6 ≤ e10 < 0: `0.`, −e10 − 1 zeros, the digits. */
const plainSmall = [
  ...putc(48), ...putc(46),
  ...op.i32(-1), ...set(K),
  ...loopUntil(op.i32LeS, [...putc(48), ...inc(K, -1)]),
  ...write9(get(P)),
  ...add(P, get(COUNT)),
];

/** d.ddde±x. */
const scientific = [
  ...write9(pPlus(1)),
  ...get(P), ...get(P), ...op.i32Load8U(1), ...op.i32Store8(0),
  ...get(COUNT), ...op.i32(1), ...op.i32GtS,
  ...op.if,
  ...get(P), ...op.i32(46), ...op.i32Store8(1), ...add(P, [...get(COUNT), ...op.i32(1), ...op.i32Add]),
  ...op.else,
  ...inc(P),
  ...op.end,
  ...putc(101),
  ...get(E10), ...op.i32(0), ...op.i32LtS,
  ...op.if,
  ...putc(45), ...op.i32(0), ...get(E10), ...op.i32Sub, ...set(E10),
  ...op.else,
  ...putc(43),
  ...op.end,
  ...get(E10), ...op.i32(10), ...op.i32GeS,
  ...op.if,
  ...get(P), ...get(E10), ...op.i32(10), ...op.i32DivU, ...op.i32(48), ...op.i32Add, ...op.i32Store8(0), ...inc(P),
  ...get(E10), ...op.i32(10), ...op.i32RemU, ...set(E10),
  ...op.end,
  ...get(P), ...get(E10), ...op.i32(48), ...op.i32Add, ...op.i32Store8(0), ...inc(P),
];

/** The kernel (see the module comment). */
export const float32JsonFn: WasmFunction = {
  exportName: 'float32Json',
  params: [T.i32, T.i32, T.i32, T.i32],
  results: [T.i32],
  locals: [[T.i32, 14], [T.f64, 2]],
  body: [
    ...get(0), ...set(I),
    ...get(0), ...get(1), ...op.i32(3), ...op.i32Shl, ...op.i32Add, ...set(END),
    ...get(2), ...set(P),
    ...op.block, // fail
    ...op.block, // done
    ...op.loop, // next value
    ...get(I), ...get(END), ...op.i32GeU, ...op.brIf(1),
    ...get(I), ...get(0), ...op.i32Ne, ...op.if, ...putc(44), ...op.end,
    ...get(I), ...op.f64Load(0), ...set(V), ...inc(I, 8),
    // not a float32 value (NaN included), or ±Infinity: fail
    ...get(V), ...op.f32DemoteF64, ...op.f64PromoteF32, ...get(V), ...op.f64Ne, ...op.brIf(2),
    ...get(V), ...get(V), ...op.f64Sub, ...op.f64Const(0), ...op.f64Ne, ...op.brIf(2),
    ...get(V), ...op.f64Const(0), ...op.f64Eq, ...op.if, ...putc(48), ...op.br(1), ...op.end,
    ...get(V), ...op.f64Const(0), ...op.f64Lt, ...op.if, ...putc(45), ...get(V), ...op.f64Neg, ...set(V), ...op.end,
    ...exponent,
    ...get(E10), ...op.i32(21), ...op.i32LtU,
    ...op.if,
    ...plainLarge,
    ...op.else,
    ...get(E10), ...op.i32(6), ...op.i32Add, ...op.i32(6), ...op.i32LtU,
    ...op.if, ...plainSmall, ...op.else, ...scientific, ...op.end,
    ...op.end,
    ...op.br(0),
    ...op.end, // loop
    ...op.end, // done
    ...get(P), ...op.ret,
    ...op.end, // fail
    ...op.i32(-1),
  ],
};
