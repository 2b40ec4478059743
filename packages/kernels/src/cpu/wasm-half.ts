/**
 * Half-precision tensors (F16, BF16) decoded to float32 in WebAssembly SIMD, 8 values per step:
 * BF16 widens each 16-bit value to the high half of its float32; F16 shifts the exponent and
 * mantissa into float32 position and multiplies by 2¹¹² (exact for normal and subnormal values),
 * mapping ±Inf/NaN to the float32 specials with a bit mask. Blocks of the source are copied into a small
 * pooled instance and the float32 block copied out, both within the cache. The JavaScript
 * decoder of `@d2pruner/core` is the reference (tests compare every one of the 65,536 patterns).
 */
import { assemble, op, T, type WasmFunction } from './wasm-asm.js';
import { compileModule } from './wasm-simd-dot.js';

/** Halves per block (64 KiB of source, 128 KiB of float32). */
const BLOCK = 32768;
const SRC = 0;
const DST = BLOCK * 2;
const PAGES = Math.ceil((BLOCK * 6) / 65536);

const { get, set, tee } = op;

/** A loop over n halves (a multiple of 8) at `src` writing floats at `dst`; `lane` maps the widened i32x4 on the stack to float bits. Params 0 src, 1 dst, 2 n; local 3 end, then the caller's. */
function halfLoop(name: string, extraLocals: number, prologue: number[], lane: number[]): WasmFunction {
  return {
    exportName: name,
    params: [T.i32, T.i32, T.i32],
    results: [],
    locals: [[T.i32, 1], [T.v128, 1 + extraLocals]],
    body: [
      ...get(2), ...op.i32Eqz, ...op.if, ...op.ret, ...op.end,
      ...get(0), ...get(2), ...op.i32(1), ...op.i32Shl, ...op.i32Add, ...set(3),
      ...prologue,
      ...op.loop,
      ...get(0), ...op.v128Load(0), ...set(4),
      ...get(1), ...get(4), ...op.i32x4ExtendLowI16x8U, ...lane, ...op.v128Store(0),
      ...get(1), ...get(4), ...op.i32x4ExtendHighI16x8U, ...lane, ...op.v128Store(16),
      ...get(1), ...op.i32(32), ...op.i32Add, ...set(1),
      ...get(0), ...op.i32(16), ...op.i32Add, ...tee(0),
      ...get(3), ...op.i32LtU, ...op.brIf(0),
      ...op.end,
    ],
  };
}

const splat = (v: number, local: number) => [...op.i32(v), ...op.i32x4Splat, ...set(local)];

/** BF16: bits << 16. */
const bf16Fn = halfLoop('bf16', 0, [], [...op.i32(16), ...op.i32x4Shl]);

/**
 * F16, lanes h (u16 in i32): locals 5 h, 6 e = h & 0x7fff, 7 e << 13, 8 mask 0x7fff, 9 0x7bff,
 * 10 0x7f800000, 11 2¹¹² splat, 12 0x8000. Read as float32 bits, e << 13 is the value × 2⁻¹¹²
 * for normal and subnormal halves alike, so one multiply by 2¹¹² (exact) decodes both;
 * e > 0x7bff (±Inf / NaN) takes (e << 13) | 0x7f800000 instead; then the sign.
 */
const f16Fn = halfLoop(
  'f16',
  8,
  [...splat(0x7fff, 8), ...splat(0x7bff, 9), ...splat(0x7f800000, 10), ...op.f32Const(2 ** 112), ...op.f32x4Splat, ...set(11), ...splat(0x8000, 12)],
  [
    ...tee(5), ...get(8), ...op.v128And, ...tee(6), ...op.i32(13), ...op.i32x4Shl, ...tee(7), ...get(10), ...op.v128Or,
    ...get(7), ...get(11), ...op.f32x4Mul,
    ...get(6), ...get(9), ...op.i32x4GtS, ...op.v128Bitselect,
    ...get(5), ...get(12), ...op.v128And, ...op.i32(16), ...op.i32x4Shl, ...op.v128Or,
  ],
);

interface HalfExports {
  mem: { readonly buffer: ArrayBuffer; grow(pages: number): number };
  bf16(src: number, dst: number, n: number): void;
  f16(src: number, dst: number, n: number): void;
}

let instance: { wasm: HalfExports; src: Uint8Array; dst: Float32Array } | null | undefined;

function ready(): NonNullable<typeof instance> | null {
  if (instance !== undefined) return instance;
  const c = compileModule(() => assemble([bf16Fn, f16Fn]));
  if (!c) return (instance = null);
  try {
    const wasm = new c.api.Instance(c.module).exports as HalfExports;
    wasm.mem.grow(PAGES);
    instance = { wasm, src: new Uint8Array(wasm.mem.buffer, SRC, BLOCK * 2), dst: new Float32Array(wasm.mem.buffer, DST, BLOCK) };
  } catch {
    instance = null;
  }
  return instance;
}

/**
 * Decodes `count` little-endian F16 or BF16 values from `src` into `out` in WebAssembly SIMD.
 * Returns false (nothing written) where the runtime has no WebAssembly SIMD; the caller then
 * decodes in JavaScript. Suits `readSafetensors`' `decodeHalf` option.
 */
export function decodeHalfSimd(dtype: 'F16' | 'BF16', src: Uint8Array, out: Float32Array, count: number): boolean {
  const it = ready();
  if (!it) return false;
  const run = dtype === 'F16' ? it.wasm.f16 : it.wasm.bf16;
  for (let at = 0; at < count; at += BLOCK) {
    const n = Math.min(BLOCK, count - at);
    const padded = Math.ceil(n / 8) * 8;
    it.src.set(src.subarray(2 * at, 2 * (at + n)));
    if (padded > n) it.src.fill(0, 2 * n, 2 * padded);
    run(SRC, DST, padded);
    out.set(it.dst.subarray(0, n), at);
  }
  return true;
}
