import { blockBytes, blockRows, paddedCols, scanBlocks, ScanMemory } from './row-scan.js';

/**
 * {@link sumRowsByGroup} where `x` lies (a token file read into a WebAssembly memory; rows of a
 * multiple of 16 floats): each group's rows are listed in ascending order and summed in one call
 * (`sumListF64`: rows read front to back in chunks), and the rows of no group are checked for finiteness
 * where they lie. No copy of `x`, one read of every row. A NaN or ±Inf in a summed row makes its
 * sum non-finite (float32 values cannot overflow a double sum), so checking the sums checks those
 * rows.
 */
function sumInPlace(mem: ScanMemory, x: Float32Array, rows: number, cols: number, assign: Int32Array, groups: number, out: Float64Array | undefined): Float64Array | null {
  const rowBytes = cols * 4;
  const base = x.byteOffset;
  for (let i = 0; i < rows; ) {
    if (assign[i] >= 0) {
      i++;
      continue;
    }
    let end = i + 1;
    while (end < rows && assign[end] < 0) end++;
    if (!mem.wasm.finite(base + i * rowBytes, base + end * rowBytes)) return null;
    i = end;
  }
  // the rows of each group in ascending order (a counting sort by group)
  const start = new Int32Array(groups + 1);
  for (let i = 0; i < rows; i++) if (assign[i] >= 0) start[assign[i] + 1]++;
  for (let j = 0; j < groups; j++) start[j + 1] += start[j];
  const fill = start.slice(0, groups);
  const order = new Int32Array(start[groups]);
  for (let i = 0; i < rows; i++) if (assign[i] >= 0) order[fill[assign[i]]++] = i;
  mem.claim();
  const list = mem.at('list');
  const at = mem.at('out');
  const sums = sumsArray(groups * cols, out);
  for (let j = 0; j < groups; j++) {
    const { i32, f64 } = mem.heap();
    f64.fill(0, at >> 3, (at >> 3) + cols);
    for (let k = start[j], o = list >> 2; k < start[j + 1]; k++, o++) i32[o] = base + order[k] * rowBytes;
    mem.wasm.sumListF64(list, start[j + 1] - start[j], cols, at);
    const row = f64.subarray(at >> 3, (at >> 3) + cols);
    for (let c = 0; c < cols; c++) if (row[c] - row[c] !== 0) return null;
    sums.set(row, j * cols);
  }
  return sums;
}

/** The first `length` doubles of `out` when it has room (its contents are overwritten), else a new array. */
function sumsArray(length: number, out: Float64Array | undefined): Float64Array {
  return out && out.length >= length ? out.subarray(0, length) : new Float64Array(length);
}

/**
 * Sums rows of `x` ([rows, cols]) into `groups` double rows: row i is added to group
 * `assign[i]` (skipped when assign[i] < 0), every element's sum taken in row order — the same
 * values as the scalar loop `acc[assign[i]][c] += x[i][c]` over i ascending. One SIMD pass over
 * `x` that also checks it is finite. Returns the sums ([groups, cols]), null when `x` holds a
 * NaN or ±Inf, undefined without WebAssembly SIMD. With `out` of at least groups × cols doubles,
 * the sums are written there (a caller summing file after file reuses one array: fewer new
 * buffers, fewer full garbage collections) and the result is a view of it.
 */
export function sumRowsByGroup(x: Float32Array, rows: number, cols: number, assign: Int32Array, groups: number, out?: Float64Array): Float64Array | null | undefined {
  const here = cols % 16 === 0 ? ScanMemory.onMatrix(x, { list: rows * 4, out: cols * 8 }) : undefined;
  if (here) return sumInPlace(here, x, rows, cols, assign, groups, out);
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
    const sums = sumsArray(groups * cols, out);
    for (let g = 0; g < groups; g++) sums.set(f64.subarray((acc >> 3) + g * stride, (acc >> 3) + g * stride + cols), g * cols);
    return sums;
  } finally {
    mem.release();
  }
}
