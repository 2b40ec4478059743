import { BackendUnavailableError, InvalidArgumentError } from '@d2pruner/core';
import { headerOwner, type HeaderOwner } from './header-owner.js';
import { WASM_BACKED_HEADER, wasmMemoryOf } from './wasm-backed.js';
import { seqPairDotsF32 } from './seq-dots.js';
import { dotInstance, dotInstanceOn, releaseDotInstance, SIMD_ROW_ALIGN, simdAvailable, type DotExports } from './wasm-simd-dot.js';

/** Largest batch of one `dots` call (the scratch area holds this many offsets and results). */
export const SIMD_BATCH = 256;
const SCRATCH_BYTES = SIMD_BATCH * 4 + SIMD_BATCH * 8;
/** Row id of the vector slot ({@link SimdRowStore.setVector}). */
export const VECTOR_ROW = -1;

/**
 * Rows of a float32 matrix copied on first use into WebAssembly memory (padded to 16 floats),
 * so their dot products run in SIMD. Only rows a query touches are copied. Each store owns its
 * instance and memory (returned to a small pool by {@link release}). A matrix that already lies
 * in a WebAssembly memory from `wasmBackedBytes` (a file read there), with rows a multiple of 16
 * floats, is used **in place**: no row is copied, the instance runs on that memory.
 */
export class SimdRowStore {
  private readonly slot: Int32Array;
  private readonly stride: number;
  private readonly offsets = new Int32Array(SIMD_BATCH);
  private used = 0;
  private wasm: DotExports;
  private heap: Float32Array | undefined;
  private released = false;
  /** Byte offset of row 0 when the rows are used in place, else −1. */
  private readonly base: number;

  /** @param data row-major values @param rows row count @param cols row width */
  constructor(
    private readonly data: Float32Array,
    private readonly rows: number,
    readonly cols: number,
  ) {
    this.stride = Math.max(1, Math.ceil(cols / SIMD_ROW_ALIGN)) * SIMD_ROW_ALIGN;
    const memory = wasmMemoryOf(data);
    const inPlace = memory && this.stride === cols && data.byteOffset % 4 === 0 && data.byteOffset >= WASM_BACKED_HEADER && SCRATCH_BYTES + 4 * cols <= WASM_BACKED_HEADER;
    const on = inPlace ? dotInstanceOn(memory) : null;
    this.base = on ? data.byteOffset : -1;
    this.wasm = on ?? SimdRowStore.freshInstance();
    this.slot = new Int32Array(on ? 0 : rows).fill(-1);
    this.dense = on !== null;
    this.header = on && memory ? headerOwner(memory) : undefined;
  }

  /** In place: the last-writer cell of the shared header (screens and other stores write there too). */
  private readonly header: HeaderOwner | undefined;
  /** In place: a copy of the vector row, rewritten when another user wrote the header. */
  private vector: Float32Array | undefined;

  /** In place: marks this store as the header's last writer, restoring its vector row if another user wrote there. */
  private claimHeader(): void {
    (this.header as HeaderOwner).owner = this;
    if (this.vector) this.writeVector(this.vector);
  }

  /** Whether the rows are read in place (no copies). */
  get inPlace(): boolean {
    return this.base >= 0;
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
    if (this.released || this.inPlace) return;
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
      if (this.dense) {
        this.dense = false;
        this.loadAll();
      }
    }
  }

  /** Every row was loaded in order ({@link loadAll}); kept across a release. */
  private dense = false;

  private offset(i: number): number {
    // one compare on the hot path: a row outside the matrix would read other memory silently
    if (i >>> 0 !== i || i >= this.rows) this.badRow(i);
    if (this.base >= 0) {
      // every call reaches here before it writes the scratch area or reads the vector row
      if ((this.header as HeaderOwner).owner !== this) this.claimHeader();
      return i === VECTOR_ROW ? SCRATCH_BYTES : this.base + i * this.stride * 4;
    }
    this.ensureLive();
    if (i === VECTOR_ROW) return SCRATCH_BYTES;
    let s = this.slot[i];
    if (s < 0) {
      s = this.used++;
      this.slot[i] = s;
      const at = SCRATCH_BYTES / 4 + (s + 1) * this.stride;
      const end = at + this.stride;
      const heap = this.reserve(end);
      heap.set(this.data.subarray(i * this.cols, (i + 1) * this.cols), at);
      if (this.stride > this.cols) heap.fill(0, at + this.cols, end);
    }
    return SCRATCH_BYTES + (s + 1) * this.stride * 4;
  }

  /** Makes room for `floats` floats of memory (growing geometrically), refreshing the heap view. */
  private reserve(floats: number): Float32Array {
    if (!this.heap || floats > this.heap.length) this.heap = new Float32Array(this.wasm.mem.buffer);
    if (floats > this.heap.length) {
      const mem = this.wasm.mem;
      const need = Math.max(floats * 4, 2 * mem.buffer.byteLength);
      mem.grow(Math.ceil((need - mem.buffer.byteLength) / 65536));
      this.heap = new Float32Array(mem.buffer);
    }
    return this.heap;
  }

  /**
   * Copies every row, in order, so that rows are consecutive in memory (slot i = row i) and
   * the range kernels ({@link dotsRange}, {@link dotsRangeF32}) apply. Call on a fresh store.
   */
  loadAll(): this {
    if (this.inPlace) return this;
    this.ensureLive();
    if (this.used === this.slot.length && this.slot[this.slot.length - 1] === this.slot.length - 1) return this;
    if (this.used !== 0) throw new Error('loadAll needs a fresh store');
    this.reserve(SCRATCH_BYTES / 4 + (this.slot.length + 1) * this.stride);
    for (let i = 0; i < this.slot.length; i++) this.offset(i);
    this.dense = true;
    return this;
  }

  /** Copies `vec` (cols floats) into the vector slot, addressed as row {@link VECTOR_ROW}. */
  setVector(vec: Float32Array): void {
    this.ensureLive();
    if (this.header) {
      this.vector ??= new Float32Array(this.cols);
      this.vector.set(vec.subarray(0, this.cols));
      this.header.owner = this;
    }
    this.writeVector(vec);
  }

  /** Writes `vec` (cols floats) to the vector slot, zero-padded to the stride. */
  private writeVector(vec: Float32Array): void {
    const heap = this.reserve(SCRATCH_BYTES / 4 + this.stride);
    heap.set(vec.subarray(0, this.cols), SCRATCH_BYTES / 4);
    heap.fill(0, SCRATCH_BYTES / 4 + this.cols, SCRATCH_BYTES / 4 + this.stride);
  }

  /** Throws the typed error for a row id that is neither a row of the matrix nor {@link VECTOR_ROW}. */
  private badRow(i: number): void {
    if (i !== VECTOR_ROW) throw new InvalidArgumentError('index', `row ${i} is not a row of this ${this.rows}-row matrix (0 … ${this.rows - 1}, or VECTOR_ROW)`);
  }

  /** Checks a batch count against {@link SIMD_BATCH} (the scratch area's size). */
  private static checkBatch(count: number): void {
    if (count >>> 0 !== count || count > SIMD_BATCH) throw new InvalidArgumentError('count', `a batch holds 0 … ${SIMD_BATCH} rows, got ${count}`);
  }

  private checkDense(end: number): void {
    if (end >>> 0 !== end || end > this.rows) throw new InvalidArgumentError('count', `rows up to ${end} are outside this ${this.rows}-row matrix`);
    if (this.inPlace) return;
    if (end > 0 && (this.slot[0] !== 0 || this.slot[end - 1] !== end - 1)) throw new Error('range dots need loadAll()');
  }

  private views: { buffer: ArrayBuffer; list: Int32Array; f32: Float32Array; f64: Float64Array } | undefined;

  /** Views of the scratch area (offsets list, float32 and double results), renewed when memory moves. */
  private scratch(): { list: Int32Array; f32: Float32Array; f64: Float64Array } {
    const buffer = this.wasm.mem.buffer;
    if (!this.views || this.views.buffer !== buffer) {
      this.views = {
        buffer,
        list: new Int32Array(buffer, 0, SIMD_BATCH),
        f32: new Float32Array(buffer, SIMD_BATCH * 4, 2 * SIMD_BATCH),
        f64: new Float64Array(buffer, SIMD_BATCH * 4, SIMD_BATCH),
      };
    }
    return this.views;
  }

  private outF64(count: number): Float64Array {
    return this.scratch().f64.subarray(0, count);
  }

  /** Runs a range kernel over rows j0 … j0+count−1 in chunks of {@link SIMD_BATCH}, copying each chunk's results out. */
  private range(i: number, j0: number, count: number, out: Float64Array, f32: boolean): void {
    this.ensureLive();
    this.checkDense(j0 + count);
    const a = this.offset(i);
    for (let at = 0; at < count; at += SIMD_BATCH) {
      const c = Math.min(SIMD_BATCH, count - at);
      if (f32) {
        this.wasm.dotsF32Seq(a, this.offset(j0 + at), c, this.stride, SIMD_BATCH * 4);
        const f = this.scratch().f32;
        for (let k = 0; k < c; k++) out[at + k] = f[k];
      } else {
        this.wasm.dots64Seq(a, this.offset(j0 + at), c, this.stride, SIMD_BATCH * 4);
        out.set(this.outF64(c), at);
      }
    }
  }

  /**
   * Double-precision dots of row i (or {@link VECTOR_ROW}) with rows j0 … j0+count−1 into
   * `out[0 … count)`, each bit-identical to {@link dot}; needs {@link loadAll}.
   */
  dotsRange(i: number, j0: number, count: number, out: Float64Array): void {
    this.range(i, j0, count, out, false);
  }

  /** Float32 dots like {@link dotsF32} for rows j0 … j0+count−1 (any count); needs {@link loadAll}. */
  dotsRangeF32(i: number, j0: number, count: number, out: Float64Array): void {
    this.range(i, j0, count, out, true);
  }

  /**
   * Float32 dots of 4 rows (`quad`, row ids; repeats allowed) with rows j0 … j0+count−1:
   * `out[4·(j − j0) + p]` = dot(quad[p], j), two quad rows at a time against four rows per pass
   * (`dotsPairTileF32Seq`: each chunk of the four rows is read once for the two; about 1.5× the
   * former 2 × 4 tile and 2× {@link dotsRangeF32}), each within `f32QuadDotBound(stride)`·‖a‖·‖b‖
   * of the exact dot. Needs {@link loadAll}.
   */
  dotsQuadF32(quad: ArrayLike<number>, j0: number, count: number, out: Float64Array): void {
    this.ensureLive();
    this.checkDense(j0 + count);
    const [a, b, c, d] = [0, 1, 2, 3].map((p) => this.offset(quad[p]));
    const chunk = SIMD_BATCH / 2;
    const at4 = SIMD_BATCH * 4;
    for (let at = 0; at < count; at += chunk) {
      const rows = Math.min(chunk, count - at);
      const first = this.offset(j0 + at);
      seqPairDotsF32(this.wasm, a, b, first, rows, this.stride, at4, 4);
      seqPairDotsF32(this.wasm, c, d, first, rows, this.stride, at4 + 8, 4);
      out.set(this.scratch().f32.subarray(0, 4 * rows), 4 * at);
    }
  }

  /** Dot product of rows i and j (double-precision accumulation); either may be {@link VECTOR_ROW}. */
  dot(i: number, j: number): number {
    const a = this.offset(i);
    const b = this.offset(j);
    return this.wasm.dot(a, b, this.stride);
  }

  /** Writes the byte offsets of rows `others[from … from+count)` to the scratch area. */
  private list(others: ArrayLike<number>, from: number, count: number): void {
    const offsets = this.offsets;
    for (let k = 0; k < count; k++) offsets[k] = this.offset(others[from + k]);
    const list = this.scratch().list;
    for (let k = 0; k < count; k++) list[k] = offsets[k];
  }

  /**
   * Dots of row i with rows `others[from … from+count)` (count ≤ {@link SIMD_BATCH}) into
   * `out[0 … count)`, each bit-identical to {@link dot} — one call for many pairs.
   */
  dots(i: number, others: ArrayLike<number>, from: number, count: number, out: Float64Array): void {
    this.listed(i, others, from, count, out, false);
  }

  /** Runs the listed kernel (double or float32) of row i against `others[from … from+count)`, copying the results to `out`. */
  private listed(i: number, others: ArrayLike<number>, from: number, count: number, out: Float64Array, f32: boolean): void {
    SimdRowStore.checkBatch(count);
    const a = this.offset(i);
    this.list(others, from, count);
    (f32 ? this.wasm.dotsF32 : this.wasm.dots64)(a, 0, count, this.stride, SIMD_BATCH * 4);
    const f = f32 ? this.scratch().f32 : this.scratch().f64;
    for (let k = 0; k < count; k++) out[k] = f[k];
  }

  /** The float32 dot of rows i and j, like one entry of {@link dotsF32} (no offsets list to write). */
  dotF32(i: number, j: number): number {
    const a = this.offset(i);
    this.wasm.dotsF32Seq(a, this.offset(j), 1, this.stride, SIMD_BATCH * 4);
    return this.scratch().f32[0];
  }

  /**
   * Float32 dots of row i with rows `others[from … from+count)` (count ≤ {@link SIMD_BATCH}) into
   * `out[0 … count)`, four listed rows per pass (`dotsTileF32`: each chunk of row i is loaded once
   * for the four), the last 1–3 through `dotsF32`: each within `f32TileDotBound(stride)`·‖row i‖·‖row j‖
   * of the exact value (stride = cols padded to a multiple of 16) when the norm product lies in
   * `F32_SAFE_NORM_PRODUCT`; for screening only.
   */
  dotsF32Tiled(i: number, others: ArrayLike<number>, from: number, count: number, out: Float64Array): void {
    SimdRowStore.checkBatch(count);
    const a = this.offset(i);
    this.list(others, from, count);
    const groups = count >> 2;
    if (groups > 0) this.wasm.dotsTileF32(a, 0, groups, this.stride, SIMD_BATCH * 4);
    const done = groups << 2;
    if (done < count) this.wasm.dotsF32(a, 4 * done, count - done, this.stride, SIMD_BATCH * 4 + 4 * done);
    const f = this.scratch().f32;
    for (let k = 0; k < count; k++) out[k] = f[k];
  }

  /**
   * {@link dotsF32Tiled} for rows i and k at once (count ≤ {@link SIMD_BATCH} / 2): each chunk of
   * the listed rows is read once for both (`dotsPairTileF32`); dot(i, others[from + s]) to
   * out[2s], dot(k, …) to out[2s + 1]. Same bound.
   */
  dotsF32PairTiled(i: number, k: number, others: ArrayLike<number>, from: number, count: number, out: Float64Array): void {
    if (count >>> 0 !== count || 2 * count > SIMD_BATCH) throw new InvalidArgumentError('count', `a pair batch holds 0 … ${SIMD_BATCH / 2} rows, got ${count}`);
    const a = this.offset(i);
    const b = this.offset(k);
    this.list(others, from, count);
    const at = SIMD_BATCH * 4;
    const groups = count >> 2;
    if (groups > 0) this.wasm.dotsPairTileF32(a, b, 0, groups, this.stride, at, 2);
    const f = this.scratch().f32;
    for (let s = 0; s < 2 * (groups << 2); s++) out[s] = f[s];
    const done = groups << 2;
    if (done === count) return;
    for (const [row, lane] of [[a, 0], [b, 1]]) {
      this.wasm.dotsF32(row, 4 * done, count - done, this.stride, at);
      for (let s = done; s < count; s++) out[2 * s + lane] = f[s - done];
    }
  }

  /**
   * Float32 dots (f32x4 products and sums) of row i with rows `others[from … from+count)` into
   * `out[0 … count)`: within `f32DotBound(cols)·‖row i‖·‖row j‖` of the exact value when the
   * norm product lies in `F32_SAFE_NORM_PRODUCT`; for screening only.
   */
  dotsF32(i: number, others: ArrayLike<number>, from: number, count: number, out: Float64Array): void {
    this.listed(i, others, from, count, out, true);
  }
}
