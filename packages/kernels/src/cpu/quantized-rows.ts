import { BackendUnavailableError, InvalidArgumentError } from '@d2pruner/core';
import { SIMD_BATCH } from './simd-row-store.js';
import { dotInstance, releaseDotInstance, simdAvailable, type DotExports } from './wasm-simd-dot.js';

/** int16 values per row padding unit (the int16 kernel's step). */
const I16_ALIGN = 32;
const LIST_AT = 0;
const OUT_AT = SIMD_BATCH * 4;
const STAGE_AT = OUT_AT + SIMD_BATCH * 8;
/** Rows whose double norm lies outside this range are not quantized (their pairs stay unscreened). */
const NORM_RANGE: readonly [number, number] = [1e-30, 1e30];
/** Slot marks: not yet quantized / not quantizable. */
const FRESH = -1;
const INVALID = -2;
/** Default cap on an instance's memory: rows past it stay unscreened (callers fall back to float32). */
const MAX_BYTES = 1 << 30;

/**
 * Rows of a float32 matrix quantized on first use to int16, each scaled by its own norm
 * (q = round(x·σ), σ = K/‖x‖, K ≈ 32766), for a **coarse cosine screen** with a rigorous bound:
 * half the bytes of float32 rows and exact integer dot products (`i32x4.dot_i16x8_s`).
 *
 * With r = x − q/σ, for rows a and b:
 * |cos(a,b) − (q_a·q_b)·w_a·w_b| ≤ μ_a·ρ_b + ρ_a, where w = 1/(σ‖x‖), ρ ≥ ‖r‖/‖x‖ (from the
 * residual the quantizer sums, widened for the float32 rounding of x·σ and of that sum) and
 * μ ≥ ‖q‖·w. Typical ρ at D = 1024 is ≈ 3·10⁻⁴, so pairs far from a threshold are decided here
 * and the rest go to the float32 screen. No integer overflow: every partial sum of q_a·q_b is at
 * most ‖q_a‖·‖q_b‖ < 2³¹ (Cauchy–Schwarz), because σ keeps ‖q‖ ≤ K + ½√D < 46341.
 *
 * Each instance owns a WebAssembly instance and memory (from the small pool of the dot module;
 * {@link release} returns it).
 */
export class QuantizedRows {
  private readonly stride: number;
  private readonly k: number;
  private readonly slot: Int32Array;
  /** Per row: w = 1/(σ‖x‖), ρ and μ (see the class comment). */
  private readonly w: Float64Array;
  private readonly rho: Float64Array;
  private readonly mu: Float64Array;
  /** Double norms of the rows staged so far (−1: not yet). */
  private readonly norms: Float64Array;
  private used = 0;
  private wasm: DotExports | undefined;
  private f32: Float32Array | undefined;
  private out: Float64Array | undefined;
  private list: Int32Array | undefined;

  /**
   * @param data row-major float32 values
   * @param rows row count
   * @param cols row width
   * @param maxBytes cap on the instance's memory (default 1 GiB); rows past it are not screened
   */
  constructor(
    private readonly data: Float32Array,
    rows: number,
    private readonly cols: number,
    private readonly maxBytes = MAX_BYTES,
  ) {
    this.stride = Math.max(1, Math.ceil(cols / I16_ALIGN)) * I16_ALIGN;
    this.k = Math.min(32766, Math.floor(46340 - 0.5 * Math.sqrt(this.stride) - 1));
    this.slot = new Int32Array(rows).fill(FRESH);
    this.w = new Float64Array(rows);
    this.rho = new Float64Array(rows);
    this.mu = new Float64Array(rows);
    this.norms = new Float64Array(rows).fill(-1);
  }

  /** A store when WebAssembly SIMD is available and rows are not absurdly wide, else undefined. */
  static tryCreate(data: Float32Array, rows: number, cols: number): QuantizedRows | undefined {
    if (cols > 1 << 24 || !simdAvailable()) return undefined;
    return new QuantizedRows(data, rows, cols);
  }

  /**
   * ‖row i‖₂ in double precision, bit-identical to the square root of `SimdRowStore.dot(i, i)`
   * (the same kernel on the same floats; the longer zero padding adds exact zeros). Computed
   * when the row is quantized, so a row only ever screened is never copied anywhere else. NaN
   * when the row could not be staged (memory cap): the caller computes it itself.
   */
  norm(i: number): number {
    if (!(this.norms[i] >= 0)) this.ensure(i);
    return this.norms[i] < 0 ? NaN : this.norms[i];
  }

  /** Grows the memory to hold `bytes` (geometrically, within the cap); false when it cannot. */
  private room(wasm: DotExports, bytes: number): boolean {
    if (bytes > this.maxBytes) return false;
    const have = wasm.mem.buffer.byteLength;
    if (bytes <= have) return true;
    try {
      wasm.mem.grow(Math.ceil((Math.min(this.maxBytes, Math.max(bytes, 2 * have)) - have) / 65536));
    } catch {
      return false;
    }
    this.views();
    return true;
  }

  private instance(): DotExports {
    if (!this.wasm) {
      const wasm = dotInstance();
      if (!wasm) throw new BackendUnavailableError('simd', 'WebAssembly SIMD is not available in this runtime');
      this.wasm = wasm;
      this.views();
    }
    return this.wasm;
  }

  private views(): void {
    const buffer = this.instance().mem.buffer;
    this.f32 = new Float32Array(buffer);
    this.out = new Float64Array(buffer, OUT_AT, SIMD_BATCH);
    this.list = new Int32Array(buffer, LIST_AT, SIMD_BATCH);
  }

  private rowAt(s: number): number {
    return STAGE_AT + this.stride * 4 + s * this.stride * 2;
  }

  /** Quantizes row i (once); false when it cannot be screened (zero or extreme norm). */
  private ensure(i: number): boolean {
    if (i >>> 0 !== i || i >= this.slot.length) throw new InvalidArgumentError('index', `row ${i} is not a row of this ${this.slot.length}-row matrix`);
    const s = this.slot[i];
    if (s >= 0) return true;
    if (s === INVALID) return false;
    const wasm = this.instance();
    const at = this.used;
    if (!this.room(wasm, this.rowAt(0))) return false;
    const f32 = this.f32!;
    const stage = STAGE_AT / 4;
    f32.set(this.data.subarray(i * this.cols, (i + 1) * this.cols), stage);
    if (this.stride > this.cols) f32.fill(0, stage + this.cols, stage + this.stride);
    const n = Math.sqrt(wasm.dot(STAGE_AT, STAGE_AT, this.stride));
    this.norms[i] = n;
    const sigma = Math.fround(this.k / n);
    if (!(n >= NORM_RANGE[0] && n <= NORM_RANGE[1]) || !(sigma > 0 && sigma < Infinity) || !this.room(wasm, this.rowAt(at + 1))) {
      this.slot[i] = INVALID;
      return false;
    }
    this.used++;
    const dst = this.rowAt(at);
    const sum = wasm.quantizeI16(STAGE_AT, dst, this.stride, sigma);
    this.list![0] = dst;
    wasm.dotsI16(dst, LIST_AT, 1, this.stride, OUT_AT);
    const qq = this.out![0];
    const scale = sigma * n;
    // Σ(y − q)² as summed (float32 products and stride/4 + 3 sequential adds per lane, y − q
    // exact), widened, plus what underflowed squares lost; then ‖x·σ − y‖ ≤ 2⁻²⁴·‖x·σ‖ for
    // y = fl(x·σ), plus 2⁻¹⁴⁹ per value where x·σ is subnormal.
    const residual = Math.sqrt(sum * (1 + (this.stride / 4 + 8) * 2 ** -23) + this.stride * 1e-37) + 2 ** -24 * scale * (1 + 1e-9) + this.stride * 1e-44;
    this.w[i] = 1 / scale;
    this.rho[i] = (residual / scale) * (1 + 1e-12);
    this.mu[i] = (Math.sqrt(qq) / scale) * (1 + 1e-12);
    this.slot[i] = at;
    return true;
  }

  /**
   * Coarse cosines of row v with rows `others[from … from+count)` (count ≤ {@link SIMD_BATCH})
   * into `est`, each within `bound[k]` of the exact cosine (the double quotient of the double
   * dot by the double norms; 10⁻¹² covers their rounding). NaN where a row is not quantizable
   * (the caller asks a finer screen). Returns false when v itself is not quantizable.
   */
  screen(v: number, others: ArrayLike<number>, from: number, count: number, est: Float64Array, bound: Float64Array): boolean {
    if (count >>> 0 !== count || count > SIMD_BATCH) throw new InvalidArgumentError('count', `a batch holds 0 … ${SIMD_BATCH} rows, got ${count}`);
    if (!this.ensure(v)) return false;
    let valid = 0;
    for (let k = 0; k < count; k++) if (this.ensure(others[from + k])) valid++;
    const list = this.list!;
    const a = this.rowAt(this.slot[v]);
    for (let k = 0; k < count; k++) {
      const s = this.slot[others[from + k]];
      list[k] = s >= 0 ? this.rowAt(s) : a;
    }
    if (valid > 0) this.wasm!.dotsI16(a, LIST_AT, count, this.stride, OUT_AT);
    const out = this.out!;
    const { w, rho, mu } = this;
    for (let k = 0; k < count; k++) {
      const u = others[from + k];
      if (this.slot[u] < 0) {
        est[k] = NaN;
        continue;
      }
      est[k] = out[k] * w[v] * w[u];
      bound[k] = Math.min(mu[v] * rho[u] + rho[v], mu[u] * rho[v] + rho[u]) + 1e-12;
    }
    return true;
  }

  /** Returns the WebAssembly instance to the pool (the store stays usable: rows are quantized again). */
  release(): void {
    if (!this.wasm) return;
    releaseDotInstance(this.wasm);
    this.wasm = undefined;
    this.f32 = this.out = this.list = undefined;
    this.slot.fill(FRESH);
    this.norms.fill(-1);
    this.used = 0;
  }
}

