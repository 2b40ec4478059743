/**
 * A few WebAssembly binary encodings, enough to assemble the SIMD kernels in code (no binary
 * asset, no download, no build step). Opcodes follow the WebAssembly core + SIMD specifications.
 */

/** Unsigned LEB128. */
export const uleb = (n: number): number[] => {
  const out: number[] = [];
  do {
    let b = n & 0x7f;
    n >>>= 7;
    if (n) b |= 0x80;
    out.push(b);
  } while (n);
  return out;
};

/** Signed LEB128 (32-bit values). */
export const sleb = (n: number): number[] => {
  const out: number[] = [];
  for (;;) {
    const b = n & 0x7f;
    n >>= 7;
    if ((n === 0 && (b & 0x40) === 0) || (n === -1 && (b & 0x40) !== 0)) {
      out.push(b);
      return out;
    }
    out.push(b | 0x80);
  }
};

/** A length-prefixed vector of encoded items. */
export const vec = (items: number[][]): number[] => [...uleb(items.length), ...items.flat()];
/** A module section. */
export const section = (id: number, bytes: number[]): number[] => [id, ...uleb(bytes.length), ...bytes];
/** A SIMD (0xfd-prefixed) instruction. */
export const simd = (op: number): number[] => [0xfd, ...uleb(op)];
/** A name (export names). */
export const name = (s: string): number[] => vec([...s].map((c) => [c.charCodeAt(0)]));

/** Value types. */
export const T = { i32: 0x7f, f32: 0x7d, f64: 0x7c, v128: 0x7b } as const;

/** Instructions used by the kernels. */
export const op = {
  get: (i: number) => [0x20, ...uleb(i)],
  set: (i: number) => [0x21, ...uleb(i)],
  tee: (i: number) => [0x22, ...uleb(i)],
  i32: (v: number) => [0x41, ...sleb(v)],
  i32Load: (offset = 0) => [0x28, 2, ...uleb(offset)],
  f32Store: (offset = 0) => [0x38, 2, ...uleb(offset)],
  f32Load: (offset = 0) => [0x2a, 2, ...uleb(offset)],
  i32Store: (offset = 0) => [0x36, 2, ...uleb(offset)],
  f32Const: (v: number) => [0x43, ...new Uint8Array(Float32Array.of(v).buffer)],
  f64Store: (offset = 0) => [0x39, 3, ...uleb(offset)],
  f64Load: (offset = 0) => [0x2b, 3, ...uleb(offset)],
  i32GeU: [0x4f],
  f64Sub: [0xa1],
  f64Mul: [0xa2],
  f64Div: [0xa3],
  i32Add: [0x6a],
  i32Sub: [0x6b],
  i32Mul: [0x6c],
  i32LtS: [0x48],
  i32Shl: [0x74],
  i32ShrU: [0x76],
  i32LtU: [0x49],
  i32Eqz: [0x45],
  f32Add: [0x92],
  f32Mul: [0x94],
  f32Gt: [0x5e],
  f32Ne: [0x5c],
  f64Add: [0xa0],
  block: [0x02, 0x40],
  loop: [0x03, 0x40],
  if: [0x04, 0x40],
  else: [0x05],
  end: [0x0b],
  ret: [0x0f],
  br: (depth: number) => [0x0c, ...uleb(depth)],
  brIf: (depth: number) => [0x0d, ...uleb(depth)],
  v128Load: (offset = 0) => [...simd(0x00), 4, ...uleb(offset)],
  v128Load64Zero: (offset = 0) => [...simd(0x5d), 3, ...uleb(offset)],
  v128Store: (offset = 0) => [...simd(0x0b), 4, ...uleb(offset)],
  f64x2Splat: simd(0x14),
  f64x2Sub: simd(0xf1),
  v128Zero: [...simd(0x0c), ...new Array<number>(16).fill(0)],
  f32x4Add: simd(0xe4),
  f32x4Mul: simd(0xe6),
  f32x4Lane: (lane: number) => [...simd(0x1f), lane],
  f64x2Add: simd(0xf0),
  f64x2Mul: simd(0xf2),
  f64x2Lane: (lane: number) => [...simd(0x21), lane],
  f64x2PromoteLow: simd(0x5f),
  v128And: simd(0x4e),
  v128Or: simd(0x50),
  i32x4Splat: simd(0x11),
  i32x4Add: simd(0xae),
  i32x4Bitmask: simd(0xa4),
  i32x4Lane: (lane: number) => [...simd(0x1b), lane],
  i32x4DotI16x8S: simd(0xba),
  i32x4TruncSatF32x4S: simd(0xf8),
  i16x8NarrowI32x4S: simd(0x85),
  f32x4Splat: simd(0x13),
  f32x4Sub: simd(0xe5),
  f32x4Nearest: simd(0x6a),
  f64ConvertI32S: [0xb7],
  i32x4ExtendLowI16x8U: simd(0xa9),
  i32x4ExtendHighI16x8U: simd(0xaa),
  i32x4Shl: simd(0xab),
  i32x4GtS: simd(0x3b),
  v128Bitselect: simd(0x52),
  i32DivU: [0x6e],
  i32RemU: [0x70],
  i32And: [0x71],
  i32ShrS: [0x75],
  i32Ne: [0x47],
  i32GtS: [0x4a],
  i32LeS: [0x4c],
  i32GeS: [0x4e],
  i32Load8U: (offset = 0) => [0x2d, 0, ...uleb(offset)],
  i32Load16U: (offset = 0) => [0x2f, 1, ...uleb(offset)],
  i32Store8: (offset = 0) => [0x3a, 0, ...uleb(offset)],
  i32Store16: (offset = 0) => [0x3b, 1, ...uleb(offset)],
  i32WrapI64: [0xa7],
  i32TruncF64S: [0xaa],
  i64Const: (v: number) => [0x42, ...sleb(v)],
  i64ShrU: [0x88],
  i64ReinterpretF64: [0xbd],
  f64Const: (v: number) => [0x44, ...new Uint8Array(Float64Array.of(v).buffer)],
  f64Eq: [0x61],
  f64Ne: [0x62],
  f64Lt: [0x63],
  f64Ge: [0x66],
  f64Neg: [0x9a],
  f32DemoteF64: [0xb6],
  v128Const: (bytes: number[]) => [...simd(0x0c), ...bytes],
  i8x16Shuffle: (lanes: number[]) => [...simd(0x0d), ...lanes],
  f32x4Ne: simd(0x42),
  f32x4Gt: simd(0x44),
  f32x4Pmax: simd(0xeb),
  f64PromoteF32: [0xbb],
} as const;

/** One function: parameter and result types, local declarations (type, count) and body. */
export interface WasmFunction {
  exportName: string;
  params: number[];
  results: number[];
  locals: [number, number][];
  body: number[];
}

/** Options of {@link assemble}. */
export interface AssembleOptions {
  /** Import the memory as `env.mem` (the caller's) instead of defining and exporting `mem`. */
  importMemory?: boolean;
  /** With `importMemory`: the memory is shared (threads), of at most this many pages. */
  sharedMaxPages?: number;
}

/** The limits of an imported memory: at least 1 page; shared (flag 3) up to `sharedMaxPages`. */
function memoryLimits(sharedMaxPages?: number): number[] {
  return sharedMaxPages === undefined ? [0x00, 1] : [0x03, 1, ...uleb(sharedMaxPages)];
}

/**
 * A module of `functions` sharing one memory: its own, exported as `mem` (1 page to start), or
 * with `importMemory` one the instantiator passes as `env.mem` (a shared one with `sharedMaxPages`).
 */
export function assemble(functions: WasmFunction[], options: AssembleOptions = {}): Uint8Array {
  const types = functions.map((f) => [0x60, ...vec(f.params.map((p) => [p])), ...vec(f.results.map((r) => [r]))]);
  const bodies = functions.map((f) => {
    const code = [...vec(f.locals.map(([t, count]) => [...uleb(count), t])), ...f.body, 0x0b];
    return [...uleb(code.length), ...code];
  });
  return Uint8Array.from([
    0x00, 0x61, 0x73, 0x6d, 1, 0, 0, 0,
    ...section(1, vec(types)),
    ...(options.importMemory ? section(2, vec([[...name('env'), ...name('mem'), 0x02, ...memoryLimits(options.sharedMaxPages)]])) : []),
    ...section(3, vec(functions.map((_, i) => uleb(i)))),
    ...(options.importMemory ? [] : section(5, vec([[0x00, 1]]))),
    ...section(7, vec([...(options.importMemory ? [] : [[...name('mem'), 0x02, 0]]), ...functions.map((f, i) => [...name(f.exportName), 0x00, ...uleb(i)])])),
    ...section(10, vec(bodies)),
  ]);
}
