import { dotInstance, releaseDotInstance, type DotExports } from './wasm-simd-dot.js';

/**
 * The rows of CDPruner's greedy MAP (docs/baselines.md §7 step 3) in WebAssembly memory: row s holds
 * e_s (N doubles) of step s. {@link subtractProjections} runs e_t ← e_t − Σ_{s<t} e_s[j]·e_s as
 * f64x2 axpys, in the same order and with the same two roundings per element as the scalar
 * loop of `cpuDppUpdate`, so the rows are bit-identical to it. Undefined without SIMD.
 */
export class SimdDppRows {
  private readonly stride: number;
  private readonly views: Float64Array[] = [];

  private constructor(
    private readonly wasm: DotExports,
    readonly rows: number,
    steps: number,
  ) {
    this.stride = rows + (rows & 1);
    const bytes = (steps + 1) * this.stride * 8;
    const have = wasm.mem.buffer.byteLength;
    if (bytes > have) wasm.mem.grow(Math.ceil((bytes - have) / 65536));
    for (let s = 0; s <= steps; s++) this.views.push(new Float64Array(wasm.mem.buffer, s * this.stride * 8, rows));
  }

  /** Rows for `steps` steps of `rows` tokens; undefined without WebAssembly SIMD or beyond 1 GiB. */
  static tryCreate(rows: number, steps: number): SimdDppRows | undefined {
    if ((steps + 1) * (rows + 1) * 8 > 2 ** 30) return undefined;
    const wasm = dotInstance();
    return wasm ? new SimdDppRows(wasm, rows, steps) : undefined;
  }

  /** Row s (a view; valid for the workspace's life). */
  row(s: number): Float64Array {
    return this.views[s];
  }

  /** e_t ← e_t − e_s[j]·e_s for s = 0 … t−1 (skipping e_s[j] = 0). */
  subtractProjections(t: number, j: number): void {
    const target = t * this.stride * 8;
    for (let s = 0; s < t; s++) {
      const cj = this.views[s][j];
      if (cj !== 0) this.wasm.subScaled(target, s * this.stride * 8, cj, this.stride);
    }
  }

  /** Hands the WebAssembly instance back to the pool; the rows must not be used afterwards. */
  release(): void {
    this.views.length = 0;
    releaseDotInstance(this.wasm);
  }
}
