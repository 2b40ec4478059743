import { blockBytes, blockRows, paddedCols, scanBlocks, ScanMemory } from './row-scan.js';

/**
 * Sums rows of `x` ([rows, cols]) into `groups` double rows: row i is added to group
 * `assign[i]` (skipped when assign[i] < 0), every element's sum taken in row order — the same
 * values as the scalar loop `acc[assign[i]][c] += x[i][c]` over i ascending. One SIMD pass over
 * `x` that also checks it is finite. Returns the sums ([groups, cols]), null when `x` holds a
 * NaN or ±Inf, undefined without WebAssembly SIMD.
 */
export function sumRowsByGroup(x: Float32Array, rows: number, cols: number, assign: Int32Array, groups: number): Float64Array | null | undefined {
  const stride = paddedCols(cols);
  const per = blockRows(stride);
  const mem = ScanMemory.tryCreate({ assign: per * 4, acc: groups * stride * 8, block: blockBytes(cols) });
  if (!mem) return undefined;
  try {
    const acc = mem.at('acc');
    const at = mem.at('assign');
    mem.heap().f64.fill(0, acc >> 3, (acc >> 3) + groups * stride);
    const ok = scanBlocks(mem, x, rows, cols, (first, r0, count) => {
      mem.heap().i32.set(assign.subarray(r0, r0 + count), at >> 2);
      mem.wasm.addRowsF64(first, count, stride, at, acc);
    });
    if (!ok) return null;
    const f64 = mem.heap().f64;
    const sums = new Float64Array(groups * cols);
    for (let g = 0; g < groups; g++) sums.set(f64.subarray((acc >> 3) + g * stride, (acc >> 3) + g * stride + cols), g * cols);
    return sums;
  } finally {
    mem.release();
  }
}
