/**
 * `sumListF64(list, count, n, out)`: adds `count` float32 rows of n floats (n a multiple of 16),
 * whose byte offsets are listed at `list` (i32 each), to the n doubles at `out`, each element's
 * terms in list order — with `out` zeroed first, the same values as the scalar loop
 * `s[c] += x[row][c]` over the list. The rows go in chunks of {@link SUM_LIST_CHUNK}: for each
 * panel of 16 floats (one cache line) the panel's sums are loaded into eight f64x2 registers,
 * the chunk's rows added, and the sums stored back. Each row is read front to back (what the
 * hardware prefetcher follows), a few pages at a time, and `out` costs one load and one store
 * per panel and chunk — for summing rows where they lie (VisionZip's merged rows, read in the
 * token file's own memory).
 */

import { op, T, type WasmFunction } from './wasm-asm.js';

const { get, set } = op;

/** Rows per chunk. */
export const SUM_LIST_CHUNK = 16;

// Params 0 list, 1 count, 2 n, 3 out; locals i32 4 c (byte offset of the panel in a row),
// 5 p (list cursor), 6 list end, 7 n bytes, 8 the panel's address in the current row, 9 chunk
// start, 10 chunk end, 11 the panel's sums address; v128 12–19 sums.
const [C, P, END, BYTES, ROW, Q, QEND, OUT, ACC] = [4, 5, 6, 7, 8, 9, 10, 11, 12];
const PANEL = 8;

/** Adds the panel at byte offset c of each row of the chunk [q, qEnd) to the sums in registers. */
const chunkRows = [
  ...get(Q), ...set(P),
  ...op.block, ...op.loop,
  ...get(P), ...get(QEND), ...op.i32GeU, ...op.brIf(1),
  ...get(P), ...op.i32Load(0), ...get(C), ...op.i32Add, ...set(ROW),
  ...Array.from({ length: PANEL }, (_, k) => [...get(ACC + k), ...get(ROW), ...op.v128Load64Zero(8 * k), ...op.f64x2PromoteLow, ...op.f64x2Add, ...set(ACC + k)]).flat(),
  ...get(P), ...op.i32(4), ...op.i32Add, ...set(P),
  ...op.br(0),
  ...op.end, ...op.end,
];

/** Every panel of the chunk [q, qEnd): load the sums, add the rows, store the sums. */
const panels = [
  ...op.i32(0), ...set(C),
  ...op.block, ...op.loop,
  ...get(C), ...get(BYTES), ...op.i32GeU, ...op.brIf(1),
  ...get(3), ...get(C), ...op.i32(1), ...op.i32Shl, ...op.i32Add, ...set(OUT),
  ...Array.from({ length: PANEL }, (_, k) => [...get(OUT), ...op.v128Load(16 * k), ...set(ACC + k)]).flat(),
  ...chunkRows,
  ...Array.from({ length: PANEL }, (_, k) => [...get(OUT), ...get(ACC + k), ...op.v128Store(16 * k)]).flat(),
  ...get(C), ...op.i32(64), ...op.i32Add, ...set(C),
  ...op.br(0),
  ...op.end, ...op.end,
];

/** The kernel (see the module comment). */
export const sumListF64Fn: WasmFunction = {
  exportName: 'sumListF64',
  params: [T.i32, T.i32, T.i32, T.i32],
  results: [],
  locals: [[T.i32, 8], [T.v128, PANEL]],
  body: [
    ...get(2), ...op.i32(2), ...op.i32Shl, ...set(BYTES),
    ...get(1), ...op.i32(2), ...op.i32Shl, ...get(0), ...op.i32Add, ...set(END),
    ...get(0), ...set(Q),
    ...op.block, ...op.loop,
    ...get(Q), ...get(END), ...op.i32GeU, ...op.brIf(1),
    // qEnd = min(q + 4·chunk, end)
    ...get(Q), ...op.i32(4 * SUM_LIST_CHUNK), ...op.i32Add, ...set(QEND), ...get(END), ...get(QEND), ...op.i32LtU,
    ...op.if, ...get(END), ...set(QEND), ...op.end,
    ...panels,
    ...get(QEND), ...set(Q),
    ...op.br(0),
    ...op.end, ...op.end,
  ],
};
