/**
 * WebAssembly SIMD dot products of float32 rows, assembled in code:
 * - `dot(a, b, n)`: pairs of floats promoted to f64x2, multiplied (exactly: a float32 product
 *   fits a double) and summed in four double accumulators, 8 floats per iteration — the
 *   precision of the scalar double loop, only the summation order differs;
 * - `dots64(a, list, count, n, out)`: the same dot of row `a` against `count` rows whose byte
 *   offsets are listed at `list`, one call for many pairs, each value bit-identical to `dot`;
 * - `dotsF32(a, list, count, n, out)`: float32 products and sums (f32x4, four accumulators,
 *   16 floats per iteration), about 3× the f64 speed, for screening with a rounding bound
 *   ({@link f32DotBound}) — exact decisions recompute the rare pairs near a threshold with `dot`;
 * - `…Seq` variants take consecutive rows instead of a list; `cholColumn` is CDPruner's lazy
 *   column update (double);
 * - `dotsI16` and `quantizeI16`: exact integer dots of int16 rows, and the float-to-int16 step
 *   that makes them ({@link QuantizedRows}, the coarse screen of the MIS round checks);
 * - `combineRowsF64` (one Gram–Schmidt step, `wasm-combine.ts`) and `dotsTileF32Seq`,
 *   their listed forms `dotsTileF32`, `dotsPairTileF32`, `dotsRowF32Seq` and their two-row `dotsPair…` forms (register-tiled float32 dots against
 *   consecutive rows, `wasm-f32-tile.ts`): CDPruner's float32 screen.
 * Rows live in the module's memory, padded with zeros to a multiple of 16 floats.
 */

import { assemble, op, T, type WasmFunction } from './wasm-asm.js';
import { quantizeI16Fn } from './wasm-i16.js';
import { combineRowsF64Fn } from './wasm-combine.js';
import { dotsPairRowF32SeqFn, dotsPairTileF32Fn, dotsPairTileF32SeqFn, dotsRowF32SeqFn, dotsTileF32Fn, dotsTileF32SeqFn } from './wasm-f32-tile.js';
import { addRowsF64Fn, dots2x4F32Fn, dots2x4F32NoSqFn, finiteFn, top2x4F32Fn } from './wasm-scan.js';
import { dotsF64RowsFn, dotsTileF64Fn } from './wasm-f64-tile.js';
import { sumListF64Fn } from './wasm-sum-list.js';

/** Floats per row padding unit (the f32 kernel's step). */
export const SIMD_ROW_ALIGN = 16;

const { get, set, tee } = op;

/**
 * A loop over locals pa, pb (advanced by `bytes` per iteration until pa reaches `end`) running
 * `step(k)` for the accumulators acc..acc+3, then the reduction `reduce` (leaves the dot on the stack).
 */
function rowLoop(pa: number, pb: number, end: number, bytes: number, step: (k: number) => number[], reduce: number[]): number[] {
  return [
    ...op.loop,
    ...step(0), ...step(1), ...step(2), ...step(3),
    ...get(pa), ...op.i32(bytes), ...op.i32Add, ...tee(pa),
    ...get(pb), ...op.i32(bytes), ...op.i32Add, ...set(pb),
    ...get(end), ...op.i32LtU, ...op.brIf(0),
    ...op.end,
    ...reduce,
  ];
}

/** The f64 loop: pairs of floats promoted to f64x2, 8 floats per iteration, four accumulators. */
function f64Loop(pa: number, pb: number, end: number, acc: number): number[] {
  const load = (ptr: number, offset: number) => [...get(ptr), ...op.v128Load64Zero(offset), ...op.f64x2PromoteLow];
  const step = (k: number) => [...get(acc + k), ...load(pa, 8 * k), ...load(pb, 8 * k), ...op.f64x2Mul, ...op.f64x2Add, ...set(acc + k)];
  const reduce = [
    ...get(acc), ...get(acc + 1), ...op.f64x2Add, ...get(acc + 2), ...get(acc + 3), ...op.f64x2Add, ...op.f64x2Add, ...set(acc),
    ...get(acc), ...op.f64x2Lane(0), ...get(acc), ...op.f64x2Lane(1), ...op.f64Add,
  ];
  return rowLoop(pa, pb, end, 32, step, reduce);
}

/** The f32 loop: 16 floats per iteration in four f32x4 accumulators, then a tree reduction. */
function f32Loop(pa: number, pb: number, end: number, acc: number): number[] {
  const step = (k: number) => [...get(acc + k), ...get(pa), ...op.v128Load(16 * k), ...get(pb), ...op.v128Load(16 * k), ...op.f32x4Mul, ...op.f32x4Add, ...set(acc + k)];
  const lane = (l: number) => [...get(acc), ...op.f32x4Lane(l)];
  const reduce = [
    ...get(acc), ...get(acc + 1), ...op.f32x4Add, ...get(acc + 2), ...get(acc + 3), ...op.f32x4Add, ...op.f32x4Add, ...set(acc),
    ...lane(0), ...lane(1), ...op.f32Add, ...lane(2), ...lane(3), ...op.f32Add, ...op.f32Add,
  ];
  return rowLoop(pa, pb, end, 64, step, reduce);
}

/**
 * The int16 loop: 32 values per iteration, `i32x4.dot_i16x8_s` into four i32x4 accumulators, then
 * the lanes summed in i32 and converted to f64. Exact when no partial sum leaves the i32 range,
 * which {@link QuantizedRows} guarantees by bounding every row's norm (Cauchy–Schwarz).
 */
function i16Loop(pa: number, pb: number, end: number, acc: number): number[] {
  const step = (k: number) => [...get(acc + k), ...get(pa), ...op.v128Load(16 * k), ...get(pb), ...op.v128Load(16 * k), ...op.i32x4DotI16x8S, ...op.i32x4Add, ...set(acc + k)];
  const lane = (l: number) => [...get(acc), ...op.i32x4Lane(l)];
  const reduce = [
    ...get(acc), ...get(acc + 1), ...op.i32x4Add, ...get(acc + 2), ...get(acc + 3), ...op.i32x4Add, ...op.i32x4Add, ...set(acc),
    ...lane(0), ...lane(1), ...op.i32Add, ...lane(2), ...lane(3), ...op.i32Add, ...op.i32Add, ...op.f64ConvertI32S,
  ];
  return rowLoop(pa, pb, end, 64, step, reduce);
}

/** dot(a, b, n) → f64 (locals: 3 end, 4..7 accumulators). */
const dotFn: WasmFunction = {
  exportName: 'dot',
  params: [T.i32, T.i32, T.i32],
  results: [T.f64],
  locals: [[T.i32, 1], [T.v128, 4]],
  body: [...get(0), ...get(2), ...op.i32(2), ...op.i32Shl, ...op.i32Add, ...set(3), ...f64Loop(0, 1, 3, 4)],
};

/**
 * Row `a` against `count` rows; results stored at `out`. `listed`: param 1 is the address of
 * their byte offsets (i32 each); else it is the byte offset of the first of `count` consecutive
 * rows. Params 0 a, 1 list/first, 2 count, 3 n, 4 out; locals 5 pa, 6 pb, 7 end, 8..11 accumulators.
 */
function batchFn(exportName: string, loop: typeof f64Loop, store: number[], width: number, listed: boolean, valueShift = 2): WasmFunction {
  const zero = [0, 1, 2, 3].flatMap((k) => [...op.v128Zero, ...set(8 + k)]);
  return {
    exportName,
    params: [T.i32, T.i32, T.i32, T.i32, T.i32],
    results: [],
    locals: [[T.i32, 3], [T.v128, 4]],
    body: [
      ...(listed ? [] : [...get(1), ...set(6)]),
      ...op.block,
      ...op.loop,
      ...get(2), ...op.i32Eqz, ...op.brIf(1),
      ...(listed ? [...get(1), ...op.i32Load(0), ...set(6)] : []),
      ...get(0), ...set(5),
      ...get(0), ...get(3), ...op.i32(valueShift), ...op.i32Shl, ...op.i32Add, ...set(7),
      ...zero,
      ...get(4), ...loop(5, 6, 7, 8), ...store,
      ...get(4), ...op.i32(width), ...op.i32Add, ...set(4),
      ...(listed ? [...get(1), ...op.i32(4), ...op.i32Add, ...set(1)] : []),
      ...get(2), ...op.i32(1), ...op.i32Sub, ...set(2),
      ...op.br(0),
      ...op.end,
      ...op.end,
    ],
  };
}

/**
 * cholColumn(ci, list, lv, sc, from, count, d2) → d2: the lazy greedy MAP's column update
 * (docs/baselines.md §7 step 3) for one token, for s = from … from+count−1:
 * v = (lv[s − from] − Σ_{q<s} e_j[q]·ci[q]) / sc[s] with e_j the column at byte offset list[s]
 * (i32), ci[s] ← v, d2 ← d2 − v² (sequential). The sum runs in four f64x2 accumulators over
 * blocks of 8 doubles, then the tail in order. Params 0 ci, 1 list, 2 lv, 3 sc (f64 arrays /
 * byte offsets), 4 from, 5 count, 6 d2; locals 7 s, 8 end, 9 pj, 10 q, 11 qEnd, 12 v, 13–16 acc.
 */
const cholColumnFn: WasmFunction = {
  exportName: 'cholColumn',
  params: [T.i32, T.i32, T.i32, T.i32, T.i32, T.i32, T.f64],
  results: [T.f64],
  locals: [[T.i32, 5], [T.f64, 1], [T.v128, 4]],
  body: [
    ...get(4), ...set(7),
    ...get(4), ...get(5), ...op.i32Add, ...set(8),
    ...op.block, ...op.loop,
    ...get(7), ...get(8), ...op.i32GeU, ...op.brIf(1),
    ...get(1), ...get(7), ...op.i32(2), ...op.i32Shl, ...op.i32Add, ...op.i32Load(0), ...set(9),
    ...[13, 14, 15, 16].flatMap((a) => [...op.v128Zero, ...set(a)]),
    ...op.i32(0), ...set(10),
    ...get(7), ...op.i32(3), ...op.i32ShrU, ...op.i32(6), ...op.i32Shl, ...set(11),
    ...op.block, ...op.loop,
    ...get(10), ...get(11), ...op.i32GeU, ...op.brIf(1),
    ...[0, 1, 2, 3].flatMap((k) => [
      ...get(13 + k), ...get(9), ...get(10), ...op.i32Add, ...op.v128Load(16 * k), ...get(0), ...get(10), ...op.i32Add, ...op.v128Load(16 * k), ...op.f64x2Mul, ...op.f64x2Add, ...set(13 + k),
    ]),
    ...get(10), ...op.i32(64), ...op.i32Add, ...set(10),
    ...op.br(0),
    ...op.end, ...op.end,
    ...get(13), ...get(14), ...op.f64x2Add, ...get(15), ...get(16), ...op.f64x2Add, ...op.f64x2Add, ...set(13),
    ...get(13), ...op.f64x2Lane(0), ...get(13), ...op.f64x2Lane(1), ...op.f64Add, ...set(12),
    ...get(7), ...op.i32(3), ...op.i32Shl, ...set(11),
    ...op.block, ...op.loop,
    ...get(10), ...get(11), ...op.i32GeU, ...op.brIf(1),
    ...get(12), ...get(9), ...get(10), ...op.i32Add, ...op.f64Load(0), ...get(0), ...get(10), ...op.i32Add, ...op.f64Load(0), ...op.f64Mul, ...op.f64Add, ...set(12),
    ...get(10), ...op.i32(8), ...op.i32Add, ...set(10),
    ...op.br(0),
    ...op.end, ...op.end,
    ...get(2), ...get(7), ...get(4), ...op.i32Sub, ...op.i32(3), ...op.i32Shl, ...op.i32Add, ...op.f64Load(0),
    ...get(12), ...op.f64Sub,
    ...get(3), ...get(7), ...op.i32(3), ...op.i32Shl, ...op.i32Add, ...op.f64Load(0),
    ...op.f64Div, ...set(12),
    ...get(0), ...get(7), ...op.i32(3), ...op.i32Shl, ...op.i32Add, ...get(12), ...op.f64Store(0),
    ...get(6), ...get(12), ...get(12), ...op.f64Mul, ...op.f64Sub, ...set(6),
    ...get(7), ...op.i32(1), ...op.i32Add, ...set(7),
    ...op.br(0),
    ...op.end, ...op.end,
    ...get(6),
  ],
};


const moduleBytes = (importMemory = false, sharedMaxPages?: number): Uint8Array =>
  assemble(
    [
      dotFn,
      batchFn('dots64', f64Loop, op.f64Store(0), 8, true),
      batchFn('dotsF32', f32Loop, op.f32Store(0), 4, true),
      batchFn('dots64Seq', f64Loop, op.f64Store(0), 8, false),
      batchFn('dotsF32Seq', f32Loop, op.f32Store(0), 4, false),
      finiteFn,
      dots2x4F32Fn,
      dots2x4F32NoSqFn,
      addRowsF64Fn,
      sumListF64Fn,
      top2x4F32Fn,
      cholColumnFn,
      dotsTileF64Fn,
      dotsF64RowsFn,
      batchFn('dotsI16', i16Loop, op.f64Store(0), 8, true, 1),
      quantizeI16Fn,
      combineRowsF64Fn,
      dotsTileF32SeqFn,
      dotsRowF32SeqFn,
      dotsPairTileF32SeqFn,
      dotsPairRowF32SeqFn,
      dotsTileF32Fn,
      dotsPairTileF32Fn,
    ],
    { importMemory, sharedMaxPages },
  );

/**
 * Bound on |float32 dot − exact dot| / (‖a‖·‖b‖) for rows of `n` floats through `dotsF32`
 * (products rounded, 4·4 lanes of ⌈n/16⌉ sequential sums, 4 levels of reduction): γ_m with
 * m = ⌈n/16⌉ + 5, u = 2⁻²⁴, plus slack for the double-precision reference itself. Valid when
 * no product or sum overflows or underflows (see {@link F32_SAFE_NORM_PRODUCT}).
 */
export function f32DotBound(n: number): number {
  const m = Math.ceil(n / SIMD_ROW_ALIGN) + 5;
  const u = 2 ** -24;
  return (m * u) / (1 - m * u) + 1e-12;
}

/**
 * Norm products ‖a‖·‖b‖ within which the float32 screen is valid: below, products may
 * underflow (absolute error up to n·2⁻¹⁴⁹, negligible against 1e-30); above, sums may overflow.
 */
export const F32_SAFE_NORM_PRODUCT: readonly [number, number] = [1e-30, 1e36];

/** The part of `WebAssembly.Memory` this module uses (typed locally: the package targets no DOM lib). */
export interface WasmMemory {
  /** The memory's bytes (a new object after each grow). */
  readonly buffer: ArrayBuffer;
  /** Adds `pages` pages of 64 KiB; returns the previous size in pages. */
  grow(pages: number): number;
}

/** The parts of the WebAssembly API the kernels use (typed locally: the package targets no DOM lib). */
export interface WasmApi {
  /** Whether `bytes` is a valid module for this runtime. */
  validate(bytes: Uint8Array): boolean;
  /** Compiles a module. */
  Module: new (bytes: Uint8Array) => object;
  /** Instantiates a compiled module with its imports. */
  Instance: new (module: object, imports?: object) => { exports: unknown };
  /** Makes a memory of `initial` (up to `maximum`) pages, shared between threads with `shared`. */
  Memory: new (descriptor: { initial: number; maximum?: number; shared?: boolean }) => WasmMemory;
}

/** The exports of one instance. */
export interface DotExports {
  /** The instance's memory, holding the padded rows. */
  mem: WasmMemory;
  /** Double-precision dot of the n floats at byte offsets `a` and `b`. */
  dot(a: number, b: number, n: number): number;
  /** `dot` of row `a` against the `count` rows whose byte offsets are listed at `list`; doubles to `out`. */
  dots64(a: number, list: number, count: number, n: number, out: number): void;
  /** Like `dots64` in float32 arithmetic, for screening with a rounding bound. */
  dotsF32(a: number, list: number, count: number, n: number, out: number): void;
  /** `dots64` against `count` consecutive rows starting at byte offset `first`. */
  dots64Seq(a: number, first: number, count: number, n: number, out: number): void;
  /** `dotsF32` against `count` consecutive rows starting at byte offset `first`. */
  dotsF32Seq(a: number, first: number, count: number, n: number, out: number): void;
  /** 1 when every float32 in bytes [p, end) is finite (end − p a multiple of 32), else 0. */
  finite(p: number, end: number): number;
  /** Per row of `count` (even) consecutive rows: float32 dots with 4 interleaved vectors and the sum of squares (5 floats to `out`). */
  dots2x4F32(first: number, count: number, n: number, vecs: number, out: number): void;
  /** `dots2x4F32` without the sums of squares (the 5th float per row is left untouched). */
  dots2x4F32NoSq(first: number, count: number, n: number, vecs: number, out: number): void;
  /** Per row of `count` (even) rows: the largest and second float32 score d̃·inv over `nv` interleaved vectors, its index, a NaN flag and the sum of squares. */
  top2x4F32(first: number, count: number, n: number, vecs: number, groups: number, inv: number, nv: number, out: number): void;
  /** Adds each of `count` consecutive rows (as doubles) to the double row `assign[r]` of `acc`, skipping assign[r] < 0. */
  addRowsF64(first: number, count: number, n: number, assign: number, acc: number): void;
  /** The double sums of the `count` float32 rows of n floats (n a multiple of 16) listed at `list` (byte offsets), in list order; n doubles to `out` (see `sumListF64Fn`). */
  sumListF64(list: number, count: number, n: number, out: number): void;
  /** The lazy greedy MAP's column update of one token (see `cholColumnFn`); returns the new d². */
  cholColumn(ci: number, list: number, lv: number, sc: number, from: number, count: number, d2: number): number;
  /** A float32 row against 4·groups listed double rows, four per pass (see `dotsTileF64Fn`); doubles to `out`. */
  dotsTileF64(a: number, list: number, groups: number, n: number, out: number): void;
  /** `dotsTileF64` one listed row at a time (`count` rows). */
  dotsF64Rows(a: number, list: number, count: number, n: number, out: number): void;
  /** Exact int16 dots of row `a` against the `count` rows listed at `list` (byte offsets; rows of `n` int16, n a multiple of 32); doubles to `out`. */
  dotsI16(a: number, list: number, count: number, n: number, out: number): void;
  /** Quantizes `n` floats at `src` (n a multiple of 8) to int16 round(x·sigma) at `dst`; returns the float32 Σ (x·sigma − q)². */
  quantizeI16(src: number, dst: number, n: number, sigma: number): number;
  /** out = (a·x − Σ_{q<count} coef[q]·row_q)·inv for `count` consecutive double rows from `first` (see `combineRowsF64Fn`; n doubles, even). */
  combineRowsF64(x: number, a: number, first: number, coef: number, count: number, n: number, inv: number, out: number): void;
  /** Float32 dots of row `a` with 4·groups consecutive rows of n floats from `first`, four per pass (see `dotsTileF32SeqFn`); floats to `out`. */
  dotsTileF32Seq(a: number, first: number, groups: number, n: number, out: number): void;
  /** `dotsTileF32Seq` against 4·groups rows whose byte offsets are listed at `list` (see `dotsTileF32Fn`). */
  dotsTileF32(a: number, list: number, groups: number, n: number, out: number): void;
  /** `dotsTileF32Seq` one row at a time (`count` rows). */
  dotsRowF32Seq(a: number, first: number, count: number, n: number, out: number): void;
  /** `dotsTileF32Seq` for two rows `a`, `b` at once (floats to out[r·outStride], out[r·outStride + 1]; see `dotsPairTileF32SeqFn`). */
  dotsPairTileF32Seq(a: number, b: number, first: number, groups: number, n: number, out: number, outStride: number): void;
  /** `dotsPairTileF32Seq` against 4·groups rows whose byte offsets are listed at `list` (see `dotsPairTileF32Fn`). */
  dotsPairTileF32(a: number, b: number, list: number, groups: number, n: number, out: number, outStride: number): void;
  /** `dotsPairTileF32Seq` one row at a time (`count` rows). */
  dotsPairRowF32Seq(a: number, b: number, first: number, count: number, n: number, out: number, outStride: number): void;
}

let cachedModule: { api: WasmApi; module: object } | null | undefined;
let cachedImporting: { api: WasmApi; module: object } | null | undefined;

/**
 * Compiles the module that `bytes` assembles, or null where the runtime has no WebAssembly or
 * rejects it (no SIMD): the one place the kernel modules of this package are compiled.
 */
export function compileModule(bytes: () => Uint8Array): { api: WasmApi; module: object } | null {
  const api = (globalThis as unknown as { WebAssembly?: WasmApi }).WebAssembly;
  try {
    const code = bytes();
    return api && api.validate(code) ? { api, module: new api.Module(code) } : null;
  } catch {
    return null;
  }
}

function compiled(): { api: WasmApi; module: object } | null {
  if (cachedModule === undefined) cachedModule = compileModule(() => moduleBytes(false));
  return cachedModule;
}

/** The WebAssembly API when this runtime has SIMD, for callers that make memories. */
export function wasmApi(): WasmApi | null {
  return compiled()?.api ?? null;
}

/** The kernels instantiated on `memory` (a caller's, e.g. one a file was read into), or null without SIMD. */
export function dotInstanceOn(memory: WasmMemory): DotExports | null {
  if (cachedImporting === undefined) cachedImporting = compileModule(() => moduleBytes(true));
  if (!cachedImporting) return null;
  const exports = new cachedImporting.api.Instance(cachedImporting.module, { env: { mem: memory } }).exports as Omit<DotExports, 'mem'>;
  return { ...exports, mem: memory };
}

/** Largest shared kernel memory, in pages of 64 KiB (1 GiB: address space reserved, not memory). */
export const SHARED_MAX_PAGES = 16384;

let cachedShared: { api: WasmApi; module: object } | null | undefined;

/**
 * The kernel module compiled to import a shared memory (of at most {@link SHARED_MAX_PAGES}
 * pages), or null where the runtime has no SIMD or no shared memories. A compiled module can be
 * posted to a worker, which instantiates it on the same memory.
 */
export function sharedKernelModule(): object | null {
  if (cachedShared === undefined) {
    const c = compileModule(() => moduleBytes(true, SHARED_MAX_PAGES));
    let ok = false;
    try {
      ok = c !== null && new c.api.Memory({ initial: 1, maximum: SHARED_MAX_PAGES, shared: true }).buffer instanceof SharedArrayBuffer;
    } catch {
      ok = false;
    }
    cachedShared = ok ? c : null;
  }
  return cachedShared?.module ?? null;
}

/** One released shared instance, its pages already mapped. */
let sharedSpare: DotExports | null = null;

/**
 * The kernels on a shared memory of at least `bytes` bytes (a released one when large enough;
 * grown otherwise), or null where {@link sharedKernelModule} is null or `bytes` exceeds the
 * shared maximum. Hand it back with {@link releaseSharedDotInstance} once no thread reads it.
 */
export function sharedDotInstance(bytes: number): DotExports | null {
  const module = sharedKernelModule();
  const api = wasmApi();
  if (!module || !api || bytes > SHARED_MAX_PAGES * 65536) return null;
  let wasm = sharedSpare;
  sharedSpare = null;
  if (!wasm) {
    const mem = new api.Memory({ initial: 1, maximum: SHARED_MAX_PAGES, shared: true });
    wasm = { ...(new api.Instance(module, { env: { mem } }).exports as Omit<DotExports, 'mem'>), mem };
  }
  const have = wasm.mem.buffer.byteLength;
  if (bytes > have) wasm.mem.grow(Math.ceil((bytes - have) / 65536));
  return wasm;
}

/** Keeps a shared instance for the next {@link sharedDotInstance} (one is kept, when not too large). */
export function releaseSharedDotInstance(wasm: DotExports): void {
  if (wasm.mem.buffer.byteLength <= POOL_MAX_BYTES) sharedSpare = wasm;
}

/** Released instances whose memory pages are already mapped (first-touch page faults cost more than the copies). */
const pool: DotExports[] = [];
const POOL_SIZE = 3;
const POOL_MAX_BYTES = 64 * 1024 * 1024;

/** An instance with its own memory (from the pool when one is free), or null without SIMD. */
export function dotInstance(): DotExports | null {
  const pooled = pool.pop();
  if (pooled) return pooled;
  const c = compiled();
  return c ? (new c.api.Instance(c.module).exports as DotExports) : null;
}

/** Hands an instance back to the small pool (kept when its memory is not too large). */
export function releaseDotInstance(wasm: DotExports): void {
  if (pool.length < POOL_SIZE && wasm.mem.buffer.byteLength <= POOL_MAX_BYTES) pool.push(wasm);
}

/** True when this runtime runs WebAssembly SIMD (Node ≥ 16, current browsers). */
export function simdAvailable(): boolean {
  return compiled() !== null;
}
