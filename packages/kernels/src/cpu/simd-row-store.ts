import { BackendUnavailableError } from '@d2pruner/core';
import { dotInstance, releaseDotInstance, SIMD_ROW_ALIGN, simdAvailable, type DotExports } from './wasm-simd-dot.js';

/** Largest batch of one `dots` call (the scratch area holds this many offsets and results). */
export const SIMD_BATCH = 256;
const SCRATCH_BYTES = SIMD_BATCH * 4 + SIMD_BATCH * 8;

/**
 * Rows of a float32 matrix copied on first use into WebAssembly memory (padded to 16 floats),
 * so their dot products run in SIMD. Only rows a query touches are copied. Each store owns its
 * instance and memory (returned to a small pool by {@link release}).
 */
export class SimdRowStore {
  private readonly slot: Int32Array;
  private readonly stride: number;
  private readonly offsets = new Int32Array(SIMD_BATCH);
  private used = 0;
  private wasm: DotExports;
  private heap: Float32Array | undefined;
  private released = false;

  /** @param data row-major values @param rows row count @param cols row width */
  constructor(
    private readonly data: Float32Array,
    rows: number,
    readonly cols: number,
  ) {
    this.wasm = SimdRowStore.freshInstance();
    this.slot = new Int32Array(rows).fill(-1);
    this.stride = Math.max(1, Math.ceil(cols / SIMD_ROW_ALIGN)) * SIMD_ROW_ALIGN;
  }

  private static freshInstance(): DotExports {
    const wasm = dotInstance();
    if (!wasm) throw new BackendUnavailableError('simd', 'WebAssembly SIMD is not available in this runtime');
    return wasm;
  }

  /** Creates a store when SIMD is available, else undefined (callers fall back to JavaScript). */
  static tryCreate(data: Float32Array, rows: number, cols: number): SimdRowStore | undefined {
    return simdAvailable() ? new SimdRowStore(data, rows, cols) : undefined;
  }

  /**
   * Hands the instance (and its already-mapped memory) back to a small pool for the next store.
   * The store stays usable: a later call takes a fresh instance and copies rows again.
   */
  release(): void {
    if (this.released) return;
    this.released = true;
    releaseDotInstance(this.wasm);
    this.slot.fill(-1);
    this.used = 0;
    this.heap = undefined;
  }

  /** Takes a fresh instance after {@link release}. */
  private ensureLive(): void {
    if (this.released) {
      this.wasm = SimdRowStore.freshInstance();
      this.released = false;
    }
  }

  private offset(i: number): number {
    this.ensureLive();
    let s = this.slot[i];
    if (s < 0) {
      s = this.used++;
      this.slot[i] = s;
      const at = SCRATCH_BYTES / 4 + s * this.stride;
      const end = at + this.stride;
      if (!this.heap || end > this.heap.length) this.heap = new Float32Array(this.wasm.mem.buffer);
      if (end > this.heap.length) {
        // grow geometrically: each grow may move the memory, so do it rarely
        const mem = this.wasm.mem;
        const need = Math.max(end * 4, 2 * mem.buffer.byteLength);
        mem.grow(Math.ceil((need - mem.buffer.byteLength) / 65536));
        this.heap = new Float32Array(mem.buffer);
      }
      this.heap.set(this.data.subarray(i * this.cols, (i + 1) * this.cols), at);
      if (this.stride > this.cols) this.heap.fill(0, at + this.cols, end);
    }
    return SCRATCH_BYTES + s * this.stride * 4;
  }

  /** Dot product of rows i and j (double-precision accumulation). */
  dot(i: number, j: number): number {
    const a = this.offset(i);
    const b = this.offset(j);
    return this.wasm.dot(a, b, this.stride);
  }

  /** Writes the byte offsets of rows `others[from … from+count)` to the scratch area. */
  private list(others: ArrayLike<number>, from: number, count: number): void {
    const offsets = this.offsets;
    for (let k = 0; k < count; k++) offsets[k] = this.offset(others[from + k]);
    new Int32Array(this.wasm.mem.buffer, 0, count).set(offsets.subarray(0, count));
  }

  /**
   * Dots of row i with rows `others[from … from+count)` (count ≤ {@link SIMD_BATCH}) into
   * `out[0 … count)`, each bit-identical to {@link dot} — one call for many pairs.
   */
  dots(i: number, others: ArrayLike<number>, from: number, count: number, out: Float64Array): void {
    const a = this.offset(i);
    this.list(others, from, count);
    this.wasm.dots64(a, 0, count, this.stride, SIMD_BATCH * 4);
    out.set(new Float64Array(this.wasm.mem.buffer, SIMD_BATCH * 4, count));
  }

  /**
   * Float32 dots (f32x4 products and sums) of row i with rows `others[from … from+count)` into
   * `out[0 … count)`: within `f32DotBound(cols)·‖row i‖·‖row j‖` of the exact value when the
   * norm product lies in `F32_SAFE_NORM_PRODUCT`; for screening only.
   */
  dotsF32(i: number, others: ArrayLike<number>, from: number, count: number, out: Float64Array): void {
    const a = this.offset(i);
    this.list(others, from, count);
    this.wasm.dotsF32(a, 0, count, this.stride, SIMD_BATCH * 4);
    const f = new Float32Array(this.wasm.mem.buffer, SIMD_BATCH * 4, count);
    for (let k = 0; k < count; k++) out[k] = f[k];
  }
}
