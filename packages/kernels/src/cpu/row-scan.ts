import { assertFinite } from '@d2pruner/core';
import { headerOwner, type HeaderOwner } from './header-owner.js';
import { WASM_BACKED_HEADER, wasmMemoryOf } from './wasm-backed.js';
import { dotInstance, dotInstanceOn, releaseDotInstance, SIMD_ROW_ALIGN, type DotExports, type WasmMemory } from './wasm-simd-dot.js';

/*
 * One pass over a big float32 matrix in WebAssembly without copying it whole: blocks of rows are
 * copied into a small reused region of an instance's memory (cache-hot, no fresh pages), padded
 * to 16 floats per row, and the block kernels of wasm-scan.ts run on each block.
 */

/** Floats per row in WebAssembly memory: `cols` rounded up to 16 (at least 16). */
export function paddedCols(cols: number): number {
  return Math.max(1, Math.ceil(cols / SIMD_ROW_ALIGN)) * SIMD_ROW_ALIGN;
}

/** Bytes of one block of rows (about 128 KiB: it stays in the L2 cache). */
const BLOCK_BYTES = 128 * 1024;

/** A byte region of the scan memory. */
export interface Region {
  /** Byte offset. */
  at: number;
  /** Size in bytes. */
  bytes: number;
}

/**
 * A pooled SIMD instance with named regions laid out one after another (16-byte aligned), and
 * typed views of its memory. Obtain with {@link ScanMemory.tryCreate}; {@link release} when done.
 */
export class ScanMemory {
  readonly regions: Record<string, Region> = {};
  private end = 0;
  private buffer: ArrayBuffer | undefined;
  private views: { f32: Float32Array; f64: Float64Array; i32: Int32Array } | undefined;

  /** The shared header's last-writer cell when in place (other screens and stores write there too). */
  private readonly header: HeaderOwner | undefined;

  private constructor(
    readonly wasm: DotExports,
    /** True when the instance runs on the memory the scanned matrix lies in (not pooled). */
    readonly inPlace: boolean,
  ) {
    this.header = inPlace ? headerOwner(wasm.mem) : undefined;
  }

  /**
   * Marks this memory's user as the last writer of its regions; call before writing them or
   * relying on what was left there. False when an in-place memory's shared header was written by
   * another screen or row store since this one's last claim (whatever this one left in its
   * regions may be gone: rewrite it); a pooled memory is this user's alone, always true.
   */
  claim(): boolean {
    const h = this.header;
    if (h === undefined || h.owner === this) return true;
    h.owner = this;
    return false;
  }

  private lay(layout: Record<string, number>): this {
    for (const [name, bytes] of Object.entries(layout)) {
      this.regions[name] = { at: this.end, bytes };
      this.end += Math.ceil(bytes / 16) * 16;
    }
    return this;
  }

  /** An instance with the given regions (name → bytes), or undefined without WebAssembly SIMD. */
  static tryCreate(layout: Record<string, number>): ScanMemory | undefined {
    const wasm = dotInstance();
    if (!wasm) return undefined;
    const m = new ScanMemory(wasm, false).lay(layout);
    const have = wasm.mem.buffer.byteLength;
    if (m.end > have) wasm.mem.grow(Math.ceil((m.end - have) / 65536));
    return m;
  }

  /**
   * The regions in the reserved header of the memory `x` lies in (a file read into
   * `wasmBackedBytes`), so the kernels read `x` where it is; undefined when `x` is an ordinary
   * array or the regions do not fit in the header.
   */
  static onMatrix(x: Float32Array, layout: Record<string, number>): ScanMemory | undefined {
    const wasm = inPlaceKernels(x);
    if (!wasm) return undefined;
    const m = new ScanMemory(wasm, true).lay(layout);
    return m.end <= WASM_BACKED_HEADER ? m : undefined;
  }

  /** Float32, float64 and int32 views of the whole memory (renewed if it moved). */
  heap(): { f32: Float32Array; f64: Float64Array; i32: Int32Array } {
    const buffer = this.wasm.mem.buffer;
    if (!this.views || this.buffer !== buffer) {
      this.buffer = buffer;
      this.views = { f32: new Float32Array(buffer), f64: new Float64Array(buffer, 0, buffer.byteLength >> 3), i32: new Int32Array(buffer) };
    }
    return this.views;
  }

  /** Byte offset of region `name`. */
  at(name: string): number {
    return this.regions[name].at;
  }

  private released = false;

  /** Hands the instance back to the pool (its mapped memory is reused by the next user); once. */
  release(): void {
    if (this.released) return;
    this.released = true;
    if (!this.inPlace) releaseDotInstance(this.wasm);
  }
}

/** Rows per block for rows of `stride` floats. */
export function blockRows(stride: number): number {
  return Math.max(1, Math.floor(BLOCK_BYTES / (stride * 4)));
}

/**
 * Copies rows r0 … r0+count−1 of `x` (width `cols`) to byte offset `at`, each padded with zeros
 * to `stride` floats.
 */
export function copyRows(f32: Float32Array, at: number, x: Float32Array, cols: number, stride: number, r0: number, count: number): void {
  const base = at >> 2;
  if (stride === cols) {
    f32.set(x.subarray(r0 * cols, (r0 + count) * cols), base);
    return;
  }
  for (let r = 0; r < count; r++) {
    const o = base + r * stride;
    f32.set(x.subarray((r0 + r) * cols, (r0 + r + 1) * cols), o);
    f32.fill(0, o + cols, o + stride);
  }
}

/**
 * Calls `visit(first, r0, count)` for each block of rows of `x` at byte offset `first`: copied
 * to the region `block`, or where they lie for an in-place memory ({@link ScanMemory.onMatrix},
 * rows a multiple of 16 floats), after checking that the block's values are finite. Returns
 * false (and stops) at the first block holding a NaN or ±Inf, true when every value is finite.
 */
export function scanBlocks(mem: ScanMemory, x: Float32Array, rows: number, cols: number, visit: (first: number, r0: number, count: number) => void): boolean {
  const stride = paddedCols(cols);
  if (mem.inPlace && stride !== cols) throw new Error('in-place scans need rows of a multiple of 16 floats');
  const per = blockRows(stride);
  for (let r0 = 0; r0 < rows; r0 += per) {
    const count = Math.min(per, rows - r0);
    let first: number;
    if (mem.inPlace) first = x.byteOffset + r0 * stride * 4;
    else {
      first = mem.at('block');
      copyRows(mem.heap().f32, first, x, cols, stride, r0, count);
    }
    if (!mem.wasm.finite(first, first + count * stride * 4)) return false;
    visit(first, r0, count);
  }
  return true;
}

/** Bytes of the `block` region for rows of `cols` floats. */
export function blockBytes(cols: number): number {
  const stride = paddedCols(cols);
  return blockRows(stride) * stride * 4;
}

const FINITE_FLOATS = 32 * 1024;

const onMemory = new WeakMap<WasmMemory, DotExports | null>();

/**
 * The kernels instantiated on the WebAssembly memory `x` lies in (a token file read by the
 * pipeline into `wasmBackedBytes`), one instance per memory; undefined for ordinary arrays.
 */
export function inPlaceKernels(x: Float32Array): DotExports | undefined {
  const memory = wasmMemoryOf(x);
  if (!memory) return undefined;
  let wasm = onMemory.get(memory);
  if (wasm === undefined) {
    wasm = dotInstanceOn(memory);
    onMemory.set(memory, wasm);
  }
  return wasm ?? undefined;
}

/** Finite check of `x` where it lies (its memory's kernels): SIMD on whole groups of 8, JavaScript on the rest. */
function allFiniteInPlace(wasm: DotExports, x: Float32Array): boolean {
  const whole = x.length - (x.length & 7);
  if (!wasm.finite(x.byteOffset, x.byteOffset + whole * 4)) return false;
  for (let i = whole; i < x.length; i++) if (!Number.isFinite(x[i])) return false;
  return true;
}

/**
 * True when every value of `x` is finite, checked in WebAssembly SIMD — in place when `x` lies
 * in a WebAssembly memory (a file the pipeline read), else on blocks copied into a pooled
 * instance (about 3× the JavaScript bit test on 3.4 M floats); undefined without SIMD.
 */
export function allFiniteSimd(x: Float32Array): boolean | undefined {
  const here = inPlaceKernels(x);
  if (here) return allFiniteInPlace(here, x);
  const mem = ScanMemory.tryCreate({ block: FINITE_FLOATS * 4 });
  if (!mem) return undefined;
  try {
    const at = mem.at('block');
    for (let i = 0; i < x.length; i += FINITE_FLOATS) {
      const count = Math.min(FINITE_FLOATS, x.length - i);
      const f32 = mem.heap().f32;
      f32.set(x.subarray(i, i + count), at >> 2);
      const padded = Math.ceil(count / 8) * 8;
      f32.fill(0, (at >> 2) + count, (at >> 2) + padded);
      if (!mem.wasm.finite(at, at + padded * 4)) return false;
    }
    return true;
  } finally {
    mem.release();
  }
}

/** Below this many values the JavaScript check is as fast as copying into WebAssembly. */
const SIMD_FINITE_MIN = 16 * 1024;

/**
 * Throws InvalidInputError naming `field` and the first bad index unless every value of `x` is
 * finite: the SIMD check for big arrays ({@link allFiniteSimd}), core's `assertFinite` otherwise
 * and to locate a bad value.
 */
export function assertFiniteF32(field: string, x: Float32Array): void {
  if (x.length >= SIMD_FINITE_MIN && allFiniteSimd(x)) return;
  assertFinite(field, x);
}
