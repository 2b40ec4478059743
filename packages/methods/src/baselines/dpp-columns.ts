import { dotInstance, F64_TILE, releaseDotInstance, releaseSharedDotInstance, sharedDotInstance, sharedKernelModule, SIMD_BATCH, SIMD_ROW_ALIGN, type DotExports } from '@d2pruner/kernels';
import type { HelperThread, Matrix } from '@d2pruner/core';
import { DppHelperRun, dppHelperBytes, dppHelperLayout } from './dpp-helper.js';
import { DppScreen } from './dpp-screen.js';
import { PickDots } from './pick-dots.js';

/**
 * The Cholesky columns of CDPruner's lazy greedy MAP (docs/baselines.md §7 step 3), token-major:
 * e_0[i] … e_{t−1}[i] per token, with the picks and their scales √d²_j. {@link dots} gives the
 * double dots of a token's feature row with a run of picks; {@link update} evaluates
 * e_s[i] = (lv[s − from] − Σ_{q<s} e_q[j_s]·e_q[i]) / scale_s for a run of steps and returns
 * d²_i − Σ e_s[i]² (subtracted in order), in double precision: in WebAssembly SIMD when
 * available ({@link dppColumns}), else in JavaScript.
 */
export interface DppColumns {
  /** L_{j_s i} of the steps being updated (first {@link SIMD_BATCH} entries, filled by the caller). */
  readonly lv: Float64Array;
  /** Double dots computed (diagnostic). */
  readonly dotCount: number;
  /** Steps the float32 screen covers ({@link DppScreen}; 0 where there is none). */
  readonly screenLimit: number;
  /** The screen helper of this request, when a helper thread takes part ({@link dppColumns}). */
  readonly helper: DppHelperRun | undefined;
  /**
   * Records pick j at step s (steps in order; j's column up to step s) with its scale √d²_j, its
   * relevance r_j and the norm of its row (for the screen's basis).
   */
  pick(s: number, j: number, scale: number, r: number, norm: number): void;
  /**
   * A lower bound of Σ e_s[i]² / r_i² over steps from … from+count−1 (all below
   * {@link screenLimit}) through the float32 screen; `invNorm` = 1/‖h_i‖ of a row that
   * `DppScreen.screenable` accepts.
   */
  screenFall(i: number, invNorm: number, from: number, count: number): number;
  /** {@link screenFall} for tokens i and k over the same steps in one pass: both sums (a reused array). */
  screenFallPair(i: number, k: number, invI: number, invK: number, from: number, count: number): Float64Array;
  /** Double dots of row i with the picks of steps from … from+count−1 (count ≤ {@link SIMD_BATCH}); the result may be {@link lv} itself. */
  dots(i: number, picks: readonly number[], from: number, count: number): Float64Array;
  /** Updates token i's column for steps from … from+count−1 (count ≤ {@link SIMD_BATCH}); returns the new d²_i. */
  update(i: number, from: number, count: number, d2: number): number;
  /**
   * Σ_k h_ik·w_k in double for every row i (w: `h.cols` doubles), or undefined where this kind
   * of columns has no fast path (the caller computes it). May load every row.
   */
  rowDots(w: Float64Array): Float64Array | undefined;
  /**
   * The double L2 norm of every row (the summation order of this kind of columns), or undefined
   * where there is no fast path (the caller computes them). May load every row.
   */
  rowNorms(): Float64Array | undefined;
  /** Frees the memory. */
  release(): void;
}

/**
 * Columns for the rows of `h` and up to `steps` picks: WebAssembly when available (and `simd`),
 * else JavaScript. `screen` (WebAssembly only; default on) adds the float32 screen; with a
 * `helper` thread too, the columns lie in a shared memory where the helper screens tokens
 * beside the main thread ({@link DppHelperRun}), when the runtime shares WebAssembly memories.
 */
export function dppColumns(h: Matrix, steps: number, simd = true, screen = true, helper?: HelperThread): DppColumns {
  const stride = Math.ceil(h.cols / SIMD_ROW_ALIGN) * SIMD_ROW_ALIGN;
  const basis = screen ? steps : 0;
  const bytes = (h.rows + stride + steps + 4) * steps * 8 + h.rows * stride * 4 + basis * stride * 12;
  if (!simd || bytes >= 2 ** 30) return new JsColumns(h, steps);
  const module = helper && screen ? sharedKernelModule() : null;
  // sized roughly; the columns grow it to their exact layout
  const shared = module ? sharedDotInstance(bytes + dppHelperBytes(h.rows, steps)) : null;
  if (helper && module && shared) return new WasmColumns(shared, h, steps, stride, screen, { thread: helper, module });
  const wasm = dotInstance();
  return wasm ? new WasmColumns(wasm, h, steps, stride, screen) : new JsColumns(h, steps);
}

/**
 * The WebAssembly columns. Each pick's feature row is copied into the instance's memory once,
 * promoted to double, and a token's row is copied next to them (float32) on its first refresh,
 * so its dots with the picks run in the register-tiled `dotsTileF64` kernel; a pick's column
 * (final once picked) is copied next to the earlier picks' so the column updates read them
 * packed. Layout (bytes, 16-aligned): 16 bytes kept free, column offsets per step, scales, lv, a double vector
 * (with its own offset before it), pick-row offsets, pick rows, pick columns, token columns,
 * token rows, then the screen's regions ({@link DppScreenLayout}).
 */
class WasmColumns implements DppColumns {
  readonly lv: Float64Array;
  dotCount = 0;
  /** The float32 screen, when asked for. */
  private readonly screen: DppScreen | undefined;
  readonly helper: DppHelperRun | undefined;
  private readonly list: Int32Array;
  private readonly scales: Float64Array;
  private readonly rowsF32: Float32Array;
  /** 1 once token i's row was copied. */
  private readonly rowLoaded: Uint8Array;
  /** Whether {@link loadRows} copied every row. */
  private allLoaded = false;
  private readonly picksF64: Float64Array;
  private readonly listAt: number;
  private readonly scalesAt: number;
  private readonly lvAt: number;
  private readonly rowsAt: number;
  private readonly vectorAt: number;
  private readonly pickListAt: number;
  private readonly picksAt: number;
  private readonly colAt: number;
  /** Where the next pick's finished column is copied (the picks' columns lie packed, in step order). */
  private triNext: number;

  constructor(
    private readonly wasm: DotExports,
    private readonly h: Matrix,
    private readonly steps: number,
    private readonly stride: number,
    screening: boolean,
    shared?: { thread: HelperThread; module: object },
  ) {
    // the first 16 bytes stay free: a screen helper's control words lie there (HELPER_CTL_AT)
    this.listAt = 16;
    this.scalesAt = this.listAt + align(steps * 4);
    this.lvAt = this.scalesAt + align(steps * 8);
    this.vectorAt = this.lvAt + align(SIMD_BATCH * 8);
    this.pickListAt = this.vectorAt + align(4) + stride * 8;
    this.picksAt = this.pickListAt + align(steps * 4);
    this.triNext = this.picksAt + steps * stride * 8;
    this.colAt = this.triNext + (steps * (steps + 1)) * 8;
    this.rowsAt = this.colAt + h.rows * steps * 8;
    const basis = screening ? steps : 0;
    const basisF64 = this.rowsAt + h.rows * stride * 4;
    const basisF32 = basisF64 + basis * stride * 8;
    const out = basisF32 + basis * stride * 4;
    const helperAt = out + align(2 * basis * 4);
    const helperLayout = shared && screening ? dppHelperLayout(helperAt, h.rows, steps, stride, basisF32, this.rowsAt) : undefined;
    const bytes = helperAt + (helperLayout ? dppHelperBytes(h.rows, steps) : 0);
    const have = wasm.mem.buffer.byteLength;
    if (bytes > have) wasm.mem.grow(Math.ceil((bytes - have) / 65536));
    const buffer = wasm.mem.buffer;
    this.list = new Int32Array(buffer, this.listAt, steps);
    this.scales = new Float64Array(buffer, this.scalesAt, steps);
    this.lv = new Float64Array(buffer, this.lvAt, SIMD_BATCH);
    this.rowsF32 = new Float32Array(buffer, this.rowsAt, h.rows * stride);
    this.rowLoaded = new Uint8Array(h.rows);
    this.picksF64 = new Float64Array(buffer, this.picksAt, steps * stride);
    const pickList = new Int32Array(buffer, this.pickListAt, steps);
    for (let s = 0; s < steps; s++) pickList[s] = this.picksAt + s * stride * 8;
    this.helper = shared && helperLayout ? new DppHelperRun(shared.thread, wasm.mem, shared.module, helperLayout) : undefined;
    if (this.helper && !this.loadRows()) for (let i = 0; i < h.rows; i++) this.row(i);
    this.screen = screening ? new DppScreen(wasm, { basisF64, basisF32, out }, steps, stride, this.helper?.eta) : undefined;
  }

  get screenLimit(): number {
    return this.screen?.limit ?? 0;
  }

  pick(s: number, j: number, scale: number, r: number, norm: number): void {
    const { h, stride } = this;
    const at = this.triNext;
    const buffer = this.wasm.mem.buffer;
    new Float64Array(buffer, at, s).set(new Float64Array(buffer, this.colAt + j * this.steps * 8, s));
    this.triNext += align(s * 8);
    this.list[s] = at;
    this.scales[s] = scale;
    this.picksF64.set(h.data.subarray(j * h.cols, (j + 1) * h.cols), s * stride);
    this.picksF64.fill(0, s * stride + h.cols, (s + 1) * stride);
    if (!this.screen) return;
    const limit = this.screen.limit;
    this.screen.add(s, this.picksAt + s * stride * 8, r / norm, at, scale, scale / r);
    if (this.screen.limit !== limit) this.helper?.publish(this.screen.limit);
  }

  screenFall(i: number, invNorm: number, from: number, count: number): number {
    return this.screening().fall(this.row(i), invNorm, from, count);
  }

  screenFallPair(i: number, k: number, invI: number, invK: number, from: number, count: number): Float64Array {
    return this.screening().fallPair(this.row(i), this.row(k), invI, invK, from, count);
  }

  /** The screen, or an error for a caller that ignored {@link screenLimit} 0. */
  private screening(): DppScreen {
    return this.screen ?? noScreen();
  }

  /**
   * Copies every row into the instance in one copy where rows need no padding (one copy per row
   * costs about ten times as much), once (the row norms and the row dots both ask); returns
   * whether every row is there.
   */
  private loadRows(): boolean {
    const { h, stride } = this;
    if (stride !== h.cols) return false;
    if (!this.allLoaded) {
      this.rowsF32.set(h.data.subarray(0, h.rows * h.cols));
      this.rowLoaded.fill(1);
      this.allLoaded = true;
    }
    return true;
  }

  /** Copies token i's row into the instance (once); returns its byte offset there. */
  private row(i: number): number {
    const { h, stride } = this;
    if (!this.rowLoaded[i]) {
      this.rowsF32.set(h.data.subarray(i * h.cols, (i + 1) * h.cols), i * stride);
      this.rowsF32.fill(0, i * stride + h.cols, (i + 1) * stride);
      this.rowLoaded[i] = 1;
    }
    return this.rowsAt + i * stride * 4;
  }

  rowDots(w: Float64Array): Float64Array {
    const { h, stride } = this;
    this.loadRows();
    const buffer = this.wasm.mem.buffer;
    new Int32Array(buffer, this.vectorAt, 1)[0] = this.vectorAt + align(4);
    new Float64Array(buffer, this.vectorAt + align(4), stride).fill(0).set(w.subarray(0, h.cols));
    const out = new Float64Array(h.rows);
    for (let i = 0; i < h.rows; i++) {
      this.wasm.dotsF64Rows(this.row(i), this.vectorAt, 1, stride, this.lvAt);
      out[i] = this.lv[0];
    }
    return out;
  }

  rowNorms(): Float64Array | undefined {
    const { h, stride } = this;
    if (!this.loadRows()) return undefined;
    const out = new Float64Array(h.rows);
    for (let i = 0; i < h.rows; i++) {
      const row = this.row(i);
      out[i] = Math.sqrt(this.wasm.dot(row, row, stride));
    }
    return out;
  }

  dots(i: number, _picks: readonly number[], from: number, count: number): Float64Array {
    const { stride } = this;
    this.dotCount += count;
    const row = this.row(i);
    const groups = Math.floor(count / F64_TILE);
    const rest = count - groups * F64_TILE;
    const list = this.pickListAt + from * 4;
    if (groups > 0) this.wasm.dotsTileF64(row, list, groups, stride, this.lvAt);
    if (rest > 0) this.wasm.dotsF64Rows(row, list + groups * F64_TILE * 4, rest, stride, this.lvAt + groups * F64_TILE * 8);
    return this.lv;
  }

  update(i: number, from: number, count: number, d2: number): number {
    return this.wasm.cholColumn(this.colAt + i * this.steps * 8, this.listAt, this.lvAt, this.scalesAt, from, count, d2);
  }

  release(): void {
    if (!this.helper) releaseDotInstance(this.wasm);
    else if (this.helper.finish()) releaseSharedDotInstance(this.wasm);
  }
}

/** The JavaScript columns (dots through {@link PickDots}: a SIMD row store when there is one). */
class JsColumns implements DppColumns {
  readonly lv = new Float64Array(SIMD_BATCH);
  readonly screenLimit = 0;
  readonly helper = undefined;
  private readonly col: Float64Array;
  private readonly picks: Int32Array;
  private readonly scales: Float64Array;
  private readonly pickDots: PickDots;

  constructor(
    h: Matrix,
    private readonly steps: number,
  ) {
    this.col = new Float64Array(h.rows * steps);
    this.pickDots = new PickDots(h);
    this.picks = new Int32Array(steps);
    this.scales = new Float64Array(steps);
  }

  pick(s: number, j: number, scale: number): void {
    this.picks[s] = j;
    this.scales[s] = scale;
  }

  get dotCount(): number {
    return this.pickDots.count;
  }

  rowDots(): undefined {
    return undefined;
  }

  rowNorms(): undefined {
    return undefined;
  }

  screenFall(): number {
    return noScreen();
  }

  screenFallPair(): Float64Array {
    return noScreen();
  }

  dots(i: number, picks: readonly number[], from: number, count: number): Float64Array {
    return this.pickDots.exact(i, picks, from, count);
  }

  update(i: number, from: number, count: number, d2: number): number {
    const { col, steps } = this;
    const base = i * steps;
    for (let s = from; s < from + count; s++) {
      const v = (this.lv[s - from] - projection(col, this.picks[s] * steps, base, s)) / this.scales[s];
      col[base + s] = v;
      d2 = d2 - v * v;
    }
    return d2;
  }

  release(): void {}
}

/** The error of a screen call on columns without one (their `screenLimit` is 0). */
function noScreen(): never {
  throw new Error('these columns have no float32 screen (screenLimit is 0)');
}

/** Rounds a byte count up to 16. */
function align(bytes: number): number {
  return Math.ceil(bytes / 16) * 16;
}

const lanes = new Float64Array(8);

/** Σ_{q<s} col[a+q]·col[b+q]: blocks of 8 in four pairs of accumulators, then the tail (the WebAssembly order). */
function projection(col: Float64Array, a: number, b: number, s: number): number {
  const acc = lanes.fill(0);
  let q = 0;
  const blocks = s - (s & 7);
  for (; q < blocks; q += 8) for (let k = 0; k < 8; k++) acc[k] += col[a + q + k] * col[b + q + k];
  let v = acc[0] + acc[2] + (acc[4] + acc[6]) + (acc[1] + acc[3] + (acc[5] + acc[7]));
  for (; q < s; q++) v += col[a + q] * col[b + q];
  return v;
}
