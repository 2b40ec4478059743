import { dotInstance, releaseDotInstance, SIMD_BATCH, type DotExports } from '@d2pruner/kernels';

/**
 * The Cholesky columns of CDPruner's lazy greedy MAP (docs/baselines.md §7 step 3), token-major:
 * e_0[i] … e_{t−1}[i] per token, with the picks and their scales √d²_j. {@link update} evaluates
 * e_s[i] = (lv[s − from] − Σ_{q<s} e_q[j_s]·e_q[i]) / scale_s for a run of steps and returns
 * d²_i − Σ e_s[i]² (subtracted in order), in double precision: in WebAssembly SIMD when
 * available ({@link create}), else in JavaScript.
 */
export interface DppColumns {
  /** L_{j_s i} of the steps being updated (first {@link SIMD_BATCH} entries, filled by the caller). */
  readonly lv: Float64Array;
  /** Records pick j at step s with its scale √d²_j. */
  pick(s: number, j: number, scale: number): void;
  /** Updates token i's column for steps from … from+count−1 (count ≤ {@link SIMD_BATCH}); returns the new d²_i. */
  update(i: number, from: number, count: number, d2: number): number;
  /** Frees the memory. */
  release(): void;
}

/** Columns for `rows` tokens and up to `steps` picks: WebAssembly when available (and `simd`), else JavaScript. */
export function dppColumns(rows: number, steps: number, simd = true): DppColumns {
  const wasm = simd && rows * steps * 8 < 2 ** 30 ? dotInstance() : null;
  return wasm ? new WasmColumns(wasm, rows, steps) : new JsColumns(rows, steps);
}

class WasmColumns implements DppColumns {
  readonly lv: Float64Array;
  private readonly list: Int32Array;
  private readonly scales: Float64Array;
  private readonly listAt: number;
  private readonly scalesAt: number;
  private readonly lvAt: number;
  private readonly colAt: number;

  constructor(
    private readonly wasm: DotExports,
    rows: number,
    private readonly steps: number,
  ) {
    this.listAt = 0;
    this.scalesAt = align(steps * 4);
    this.lvAt = this.scalesAt + align(steps * 8);
    this.colAt = this.lvAt + SIMD_BATCH * 8;
    const bytes = this.colAt + rows * steps * 8;
    const have = wasm.mem.buffer.byteLength;
    if (bytes > have) wasm.mem.grow(Math.ceil((bytes - have) / 65536));
    const buffer = wasm.mem.buffer;
    this.list = new Int32Array(buffer, this.listAt, steps);
    this.scales = new Float64Array(buffer, this.scalesAt, steps);
    this.lv = new Float64Array(buffer, this.lvAt, SIMD_BATCH);
  }

  pick(s: number, j: number, scale: number): void {
    this.list[s] = this.colAt + j * this.steps * 8;
    this.scales[s] = scale;
  }

  update(i: number, from: number, count: number, d2: number): number {
    return this.wasm.cholColumn(this.colAt + i * this.steps * 8, this.listAt, this.lvAt, this.scalesAt, from, count, d2);
  }

  release(): void {
    releaseDotInstance(this.wasm);
  }
}

class JsColumns implements DppColumns {
  readonly lv = new Float64Array(SIMD_BATCH);
  private readonly col: Float64Array;
  private readonly picks: Int32Array;
  private readonly scales: Float64Array;

  constructor(
    rows: number,
    private readonly steps: number,
  ) {
    this.col = new Float64Array(rows * steps);
    this.picks = new Int32Array(steps);
    this.scales = new Float64Array(steps);
  }

  pick(s: number, j: number, scale: number): void {
    this.picks[s] = j;
    this.scales[s] = scale;
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

/** Rounds a byte count up to 16. */
function align(bytes: number): number {
  return Math.ceil(bytes / 16) * 16;
}

/** Σ_{q<s} col[a+q]·col[b+q]: blocks of 4 in two pairs of accumulators, then the tail (the WebAssembly order). */
function projection(col: Float64Array, a: number, b: number, s: number): number {
  let e0 = 0;
  let e1 = 0;
  let o0 = 0;
  let o1 = 0;
  let q = 0;
  const blocks = s - (s & 3);
  for (; q < blocks; q += 4) {
    e0 += col[a + q] * col[b + q];
    e1 += col[a + q + 1] * col[b + q + 1];
    o0 += col[a + q + 2] * col[b + q + 2];
    o1 += col[a + q + 3] * col[b + q + 3];
  }
  let v = e0 + o0 + (e1 + o1);
  for (; q < s; q++) v += col[a + q] * col[b + q];
  return v;
}
