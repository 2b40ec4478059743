/**
 * WebAssembly SIMD kernels for one pass over a block of consecutive rows (a chunk of a big
 * matrix copied into the module's memory, padded to 16 floats per row), assembled in code:
 * - `finite(p, end)`: 1 when every float32 in [p, end) is finite (bit test: exponent not all
 *   ones), 0 otherwise; end − p a multiple of 32 bytes;
 * - `dots2x4F32(first, count, n, vecs, out)`: for each row (in pairs, count even), float32 dots
 *   with 4 vectors stored interleaved by 4 floats at `vecs`, and the row's float32 sum of
 *   squares: 5 floats per row (`dots2x4F32NoSq`: without the sums of squares, for the rows'
 *   later vector groups); each lane of a dot sums n/4 products;
 * - `addRowsF64(first, count, n, assign, acc)`: row r (double-promoted) added to the double row
 *   `assign[r]` of `acc` (skipped when assign[r] < 0), each element's sum in row order.
 */

import { op, T, type WasmFunction } from './wasm-asm.js';

const { get, set, tee } = op;

/** The 16 byte lanes of an i8x16.shuffle that picks the four 32-bit lanes `picks` (0–3 first operand, 4–7 second). */
const lanes4 = (picks: number[]): number[] => picks.flatMap((l) => [4 * l, 4 * l + 1, 4 * l + 2, 4 * l + 3]);

/** The four lanes of the f32x4 in local `l` summed as (l0 + l1) + (l2 + l3) (leaves an f32). */
export const laneSumF32 = (l: number): number[] => [...get(l), ...op.f32x4Lane(0), ...get(l), ...op.f32x4Lane(1), ...op.f32Add, ...get(l), ...op.f32x4Lane(2), ...get(l), ...op.f32x4Lane(3), ...op.f32Add, ...op.f32Add];

/**
 * One step of a 2 × 4 register tile: the 4 floats at offset `offset` of the two rows at locals
 * `pr`, `pr2` (into locals x, x + 1) times each of 4 vector chunks (`vector(p)` pushes chunk p;
 * stored in local v) added to accumulators acc + p (first row) and acc + 4 + p (second row).
 */
function tile2x4Step(pr: number, pr2: number, offset: number, x: number, v: number, acc: number, vector: (p: number) => number[]): number[] {
  return [
    ...get(pr), ...op.v128Load(offset), ...set(x),
    ...get(pr2), ...op.v128Load(offset), ...set(x + 1),
    ...[0, 1, 2, 3].flatMap((p) => [
      ...vector(p), ...set(v),
      ...get(acc + p), ...get(x), ...get(v), ...op.f32x4Mul, ...op.f32x4Add, ...set(acc + p),
      ...get(acc + 4 + p), ...get(x + 1), ...get(v), ...op.f32x4Mul, ...op.f32x4Add, ...set(acc + 4 + p),
    ]),
  ];
}

/** finite(p, end) → i32 (locals: 2 mask, 3 bias, 4, 5 accumulators). */
export const finiteFn: WasmFunction = {
  exportName: 'finite',
  params: [T.i32, T.i32],
  results: [T.i32],
  locals: [[T.v128, 4]],
  body: [
    ...op.i32(0x7f800000), ...op.i32x4Splat, ...set(2),
    ...op.i32(0x00800000), ...op.i32x4Splat, ...set(3),
    ...op.v128Zero, ...set(4), ...op.v128Zero, ...set(5),
    ...op.block,
    ...get(0), ...get(1), ...op.i32LtU, ...op.i32Eqz, ...op.brIf(0),
    ...op.loop,
    ...get(4), ...get(0), ...op.v128Load(0), ...get(2), ...op.v128And, ...get(3), ...op.i32x4Add, ...op.v128Or, ...set(4),
    ...get(5), ...get(0), ...op.v128Load(16), ...get(2), ...op.v128And, ...get(3), ...op.i32x4Add, ...op.v128Or, ...set(5),
    ...get(0), ...op.i32(32), ...op.i32Add, ...tee(0), ...get(1), ...op.i32LtU, ...op.brIf(0),
    ...op.end,
    ...op.end,
    ...get(4), ...get(5), ...op.v128Or, ...op.i32x4Bitmask, ...op.i32Eqz,
  ],
};

/** addRowsF64: params 0 first, 1 count, 2 n (multiple of 8), 3 assign, 4 acc; locals 5 end, 6 pa, 7 j. */
export const addRowsF64Fn: WasmFunction = {
  exportName: 'addRowsF64',
  params: [T.i32, T.i32, T.i32, T.i32, T.i32],
  results: [],
  locals: [[T.i32, 3]],
  body: [
    ...op.block,
    ...op.loop,
    ...get(1), ...op.i32Eqz, ...op.brIf(1),
    ...get(0), ...get(2), ...op.i32(2), ...op.i32Shl, ...op.i32Add, ...set(5),
    ...get(3), ...op.i32Load(0), ...tee(7),
    ...op.i32(0), ...op.i32LtS,
    ...op.if,
    ...get(5), ...set(0),
    ...op.else,
    ...get(4), ...get(7), ...get(2), ...op.i32Mul, ...op.i32(3), ...op.i32Shl, ...op.i32Add, ...set(6),
    ...op.loop,
    ...[0, 1, 2, 3].flatMap((k) => [
      ...get(6), ...get(6), ...op.v128Load(16 * k), ...get(0), ...op.v128Load64Zero(8 * k), ...op.f64x2PromoteLow, ...op.f64x2Add, ...op.v128Store(16 * k),
    ]),
    ...get(6), ...op.i32(64), ...op.i32Add, ...set(6),
    ...get(0), ...op.i32(32), ...op.i32Add, ...tee(0), ...get(5), ...op.i32LtU, ...op.brIf(0),
    ...op.end,
    ...op.end,
    ...get(3), ...op.i32(4), ...op.i32Add, ...set(3),
    ...get(1), ...op.i32(1), ...op.i32Sub, ...set(1),
    ...op.br(0),
    ...op.end,
    ...op.end,
  ],
};

/**
 * dots2x4F32: rows in pairs (count even), each pair against 4 interleaved vectors in a 2 × 4
 * register tile, so every vector load serves two rows; one accumulator per (row, vector) over 8
 * floats per iteration (about 1.6× a one-row kernel). Params 0 first, 1 count, 2 n, 3 vecs,
 * 4 out (5 floats per row); locals 5 pr, 6 pr2, 7 pv, 8 end, v128 9..16 accumulators, 17, 18 squares, 19, 20
 * rows, 21 vector.
 */
function dots2x4F32(withSquares: boolean): WasmFunction {
  const ACC = 9;
  const SQ = 17;
  const X = 19;
  const V = 21;
  const half = (h: number) => [
    ...tile2x4Step(5, 6, 16 * h, X, V, ACC, (p) => [...get(7), ...op.v128Load(64 * h + 16 * p)]),
    ...(withSquares
      ? [0, 1].flatMap((r) => [...get(SQ + r), ...get(X + r), ...get(X + r), ...op.f32x4Mul, ...op.f32x4Add, ...set(SQ + r)])
      : []),
  ];
  const store = (l: number, offset: number) => [...get(4), ...laneSumF32(l), ...op.f32Store(offset)];
  return {
    exportName: withSquares ? 'dots2x4F32' : 'dots2x4F32NoSq',
    params: [T.i32, T.i32, T.i32, T.i32, T.i32],
    results: [],
    locals: [[T.i32, 4], [T.v128, 13]],
    body: [
      ...get(0), ...set(5),
      ...op.block,
      ...op.loop,
      ...get(1), ...op.i32Eqz, ...op.brIf(1),
      ...get(3), ...set(7),
      ...get(5), ...get(2), ...op.i32(2), ...op.i32Shl, ...op.i32Add, ...tee(8), ...set(6),
      ...Array.from({ length: 10 }, (_, k) => [...op.v128Zero, ...set(ACC + k)]).flat(),
      ...op.loop,
      ...half(0), ...half(1),
      ...get(7), ...op.i32(128), ...op.i32Add, ...set(7),
      ...get(6), ...op.i32(32), ...op.i32Add, ...set(6),
      ...get(5), ...op.i32(32), ...op.i32Add, ...tee(5), ...get(8), ...op.i32LtU, ...op.brIf(0),
      ...op.end,
      ...[0, 1, 2, 3].flatMap((p) => [...store(ACC + p, 4 * p), ...store(ACC + 4 + p, 20 + 4 * p)]),
      ...(withSquares ? [...store(SQ, 16), ...store(SQ + 1, 36)] : []),
      ...get(6), ...set(5),
      ...get(4), ...op.i32(40), ...op.i32Add, ...set(4),
      ...get(1), ...op.i32(2), ...op.i32Sub, ...set(1),
      ...op.br(0),
      ...op.end,
      ...op.end,
    ],
  };
}

/** Float32 dots of row pairs with 4 vectors and the rows' sums of squares. */
export const dots2x4F32Fn = dots2x4F32(true);
/** Float32 dots of row pairs with 4 vectors only. */
export const dots2x4F32NoSqFn = dots2x4F32(false);

/**
 * top2x4F32: for rows in pairs (count even), the float32 scores d̃_v · inv[v] of every vector
 * v < nv (4 interleaved per group, groups one after another at `vecs`, their f32 multipliers at
 * `inv`, 4 per group), keeping per row only the largest score, its vector, the runner-up, and
 * whether a score was NaN (an unscreened vector), plus the row's sum of squares: 5 values per row
 * at `out` (top f32, second f32, at i32, nan i32, sum of squares f32). A group's four dots of a
 * row come out of its four accumulators as one f32x4 (a 4 × 4 transpose-and-add: each dot is
 * (l0 + l2) + (l1 + l3) of its lanes, two levels as before), and the best and runner-up are kept
 * per lane (vector v mod 4) in SIMD, lanes past nv masked to −∞; the four lanes are merged once
 * per row. Params 0 first, 1 count, 2 n, 3 vecs, 4 groups, 5 inv, 6 nv, 7 out; locals i32 8 pr,
 * 9 pr2, 10 pv, 11 end, 12 g, 13 pinv, 14 at; f32 15 top, 16 second; v128 17..24 accumulators,
 * 25, 26 squares, 27, 28 rows, 29 vector, 30, 31 lane tops, 32, 33 lane runners-up, 34, 35 lane
 * vectors, 36, 37 lane NaN flags, 38..41 scratch, 42 lane vector numbers, 43 valid lanes.
 */
export const top2x4F32Fn: WasmFunction = (() => {
  const [PR, PR2, PV, END, G, PINV, ATS, TOPS, SECS] = [8, 9, 10, 11, 12, 13, 14, 15, 16];
  const ACC = 17;
  const SQ = 25;
  const X = 27;
  const V = 29;
  const TOP = [30, 31];
  const SEC = [32, 33];
  const AT = [34, 35];
  const NAN = [36, 37];
  const [T0, T1, S01, D, IDXV, MASK] = [38, 39, 40, 41, 42, 43];
  const lanes = laneSumF32;
  const iota = op.v128Const([0, 1, 2, 3].flatMap((i) => [i, 0, 0, 0]));
  const negInf = op.v128Const(Array.from(new Uint8Array(Float32Array.of(-Infinity, -Infinity, -Infinity, -Infinity).buffer)));
  /** The pairwise sums of accumulators a, b: (a0 + a2, b0 + b2, a1 + a3, b1 + b3). */
  const pairSums = (a: number, b: number): number[] => [
    ...get(a), ...get(b), ...op.i8x16Shuffle(lanes4([0, 4, 1, 5])),
    ...get(a), ...get(b), ...op.i8x16Shuffle(lanes4([2, 6, 3, 7])),
    ...op.f32x4Add,
  ];
  /** Row r's scores of this group: its four dots (one f32x4) times inv, lanes past nv −∞; then the lane-wise top-2 update. */
  const score = (r: number) => [
    ...pairSums(ACC + 4 * r, ACC + 4 * r + 1), ...set(S01),
    ...pairSums(ACC + 4 * r + 2, ACC + 4 * r + 3), ...set(T1),
    ...get(S01), ...get(T1), ...op.i8x16Shuffle(lanes4([0, 1, 4, 5])),
    ...get(S01), ...get(T1), ...op.i8x16Shuffle(lanes4([2, 3, 6, 7])),
    ...op.f32x4Add,
    ...get(PINV), ...op.v128Load(0), ...op.f32x4Mul,
    ...negInf, ...get(MASK), ...op.v128Bitselect, ...set(D),
    ...get(NAN[r]), ...get(D), ...get(D), ...op.f32x4Ne, ...op.v128Or, ...set(NAN[r]),
    ...get(D), ...get(TOP[r]), ...op.f32x4Gt, ...set(T0),
    ...get(TOP[r]), ...get(SEC[r]), ...get(D), ...op.f32x4Pmax, ...get(T0), ...op.v128Bitselect, ...set(SEC[r]),
    ...get(D), ...get(TOP[r]), ...get(T0), ...op.v128Bitselect, ...set(TOP[r]),
    ...get(IDXV), ...get(AT[r]), ...get(T0), ...op.v128Bitselect, ...set(AT[r]),
  ];
  const half = (h: number) => tile2x4Step(PR, PR2, 16 * h, X, V, ACC, (p) => [...get(PV), ...op.v128Load(64 * h + 16 * p)]);
  const rows = [...get(0), ...set(PR), ...get(0), ...get(2), ...op.i32(2), ...op.i32Shl, ...op.i32Add, ...tee(END), ...set(PR2)];
  const advance = (bytes: number) => [
    ...get(PR2), ...op.i32(bytes), ...op.i32Add, ...set(PR2),
    ...get(PR), ...op.i32(bytes), ...op.i32Add, ...tee(PR), ...get(END), ...op.i32LtU, ...op.brIf(0),
  ];
  const squares = [
    ...rows, ...op.v128Zero, ...set(SQ), ...op.v128Zero, ...set(SQ + 1),
    ...op.loop,
    ...[0, 1].flatMap((r) => [...get(r === 0 ? PR : PR2), ...op.v128Load(0), ...set(X + r), ...get(SQ + r), ...get(X + r), ...get(X + r), ...op.f32x4Mul, ...op.f32x4Add, ...set(SQ + r)]),
    ...advance(16),
    ...op.end,
  ];
  const init = [
    ...[0, 1].flatMap((r) => [...negInf, ...set(TOP[r]), ...negInf, ...set(SEC[r]), ...op.v128Zero, ...set(AT[r]), ...op.v128Zero, ...set(NAN[r])]),
    ...op.i32(0), ...set(G), ...get(3), ...set(PV), ...get(5), ...set(PINV),
  ];
  const groupsLoop = [
    ...op.block,
    ...get(4), ...op.i32Eqz, ...op.brIf(0),
    ...op.loop,
    ...Array.from({ length: 8 }, (_, k) => [...op.v128Zero, ...set(ACC + k)]).flat(),
    ...rows,
    ...op.loop,
    ...half(0), ...half(1),
    ...get(PV), ...op.i32(128), ...op.i32Add, ...set(PV),
    ...advance(32),
    ...op.end,
    ...get(G), ...op.i32(2), ...op.i32Shl, ...tee(ATS), ...op.i32x4Splat, ...iota, ...op.i32x4Add, ...set(IDXV),
    ...get(6), ...get(ATS), ...op.i32Sub, ...op.i32x4Splat, ...iota, ...op.i32x4GtS, ...set(MASK),
    ...score(0), ...score(1),
    ...get(PINV), ...op.i32(16), ...op.i32Add, ...set(PINV),
    ...get(G), ...op.i32(1), ...op.i32Add, ...tee(G), ...get(4), ...op.i32LtU, ...op.brIf(0),
    ...op.end,
    ...op.end,
  ];
  /** Inserts the score `value` (f32 on the stack via `push`) of vector `at` into the row's best and runner-up. */
  const insert = (push: number[], at: number[]) => [
    ...push, ...get(TOPS), ...op.f32Gt,
    ...op.if,
    ...get(TOPS), ...set(SECS), ...push, ...set(TOPS), ...at, ...set(ATS),
    ...op.else,
    ...push, ...get(SECS), ...op.f32Gt,
    ...op.if, ...push, ...set(SECS), ...op.end,
    ...op.end,
  ];
  /** Row r's four lanes merged into one best, runner-up, vector and NaN flag, stored at out + 20r. */
  const store = (r: number) => [
    ...get(TOP[r]), ...op.f32x4Lane(0), ...set(TOPS), ...get(SEC[r]), ...op.f32x4Lane(0), ...set(SECS), ...get(AT[r]), ...op.i32x4Lane(0), ...set(ATS),
    ...[1, 2, 3].flatMap((l) => [
      ...insert([...get(TOP[r]), ...op.f32x4Lane(l)], [...get(AT[r]), ...op.i32x4Lane(l)]),
      ...insert([...get(SEC[r]), ...op.f32x4Lane(l)], [...get(AT[r]), ...op.i32x4Lane(l)]),
    ]),
    ...get(7), ...get(TOPS), ...op.f32Store(20 * r),
    ...get(7), ...get(SECS), ...op.f32Store(20 * r + 4),
    ...get(7), ...get(ATS), ...op.i32Store(20 * r + 8),
    ...get(7), ...get(NAN[r]), ...op.i32x4Bitmask, ...op.i32Store(20 * r + 12),
    ...get(7), ...lanes(SQ + r), ...op.f32Store(20 * r + 16),
  ];
  return {
    exportName: 'top2x4F32',
    params: [T.i32, T.i32, T.i32, T.i32, T.i32, T.i32, T.i32, T.i32],
    results: [],
    locals: [[T.i32, 7], [T.f32, 2], [T.v128, 27]],
    body: [
      ...op.block,
      ...op.loop,
      ...get(1), ...op.i32Eqz, ...op.brIf(1),
      ...squares,
      ...init,
      ...groupsLoop,
      ...store(0), ...store(1),
      ...get(0), ...get(2), ...op.i32(3), ...op.i32Shl, ...op.i32Add, ...set(0),
      ...get(7), ...op.i32(40), ...op.i32Add, ...set(7),
      ...get(1), ...op.i32(2), ...op.i32Sub, ...set(1),
      ...op.br(0),
      ...op.end,
      ...op.end,
    ],
  };
})();
