import { allFinite, type Matrix } from '@d2pruner/core';
import { cosineFromDot, rangeDots, rowNorms64 } from '@d2pruner/kernels';

/*
 * The two passes of VisionZip's contextual merging (docs/baselines.md §6 steps 6–7): assigning
 * the rest to targets by key cosine, then summing every member row once into its target's row.
 */

/**
 * For every index of `rest`, the position j of the target with the most similar key (cosine,
 * ties → lowest j): one range scan of all keys per target, targets ascending, so `v > best`
 * keeps the lowest j. Entries outside `rest` are 0.
 */
export function assignToTargets(keys: Matrix, rest: readonly number[], targets: readonly number[]): Int32Array {
  const n = keys.rows;
  const kn = rowNorms64(keys.data, n, keys.cols);
  const best = new Int32Array(n);
  const bestCos = new Float64Array(n).fill(-Infinity);
  const dots = new Float64Array(n);
  for (let j = 0; j < targets.length; j++) {
    const g = targets[j];
    rangeDots(keys.data, keys.cols, g, 0, n, dots);
    for (const i of rest) {
      const v = cosineFromDot(dots[i], kn[g], kn[i]);
      if (v > bestCos[i]) {
        bestCos[i] = v;
        best[i] = j;
      }
    }
  }
  return best;
}

/**
 * The merged rows x_j = H_{g_j} + (1/|A_j|)·Σ_{i∈A_j} H_i (x_j = H_{g_j} when A_j = ∅), as one
 * [targets × D] array of doubles: each member row is read once and added to its target's sum
 * (`assign[i]` = j for a member of A_j, −1 for the targets). The sums are exact enough for the
 * spec (double precision, any order) and cannot overflow (|Σ| ≤ N·3.4e38), so a row is finite
 * exactly when its target and members are: the caller uses that as the finite check of those rows.
 */
export function mergeRows(h: Matrix, rest: readonly number[], assign: Int32Array, targets: readonly number[], members: readonly number[][]): Float64Array {
  const d = h.cols;
  const x = h.data;
  const sums = new Float64Array(targets.length * d);
  for (const i of rest) {
    const j = assign[i];
    if (j < 0) continue;
    addRow(sums, j * d, x, i * d, d);
  }
  for (let j = 0; j < targets.length; j++) {
    const count = members[j].length - 1;
    const o = j * d;
    const g = targets[j] * d;
    for (let c = 0; c < d; c++) sums[o + c] = count > 0 ? x[g + c] + sums[o + c] / count : x[g + c];
  }
  return sums;
}

/** acc[a … a+d) += x[b … b+d) (unrolled by four). */
function addRow(acc: Float64Array, a: number, x: Float32Array, b: number, d: number): void {
  let c = 0;
  for (const end = d - (d & 3); c < end; c += 4) {
    acc[a + c] += x[b + c];
    acc[a + c + 1] += x[b + c + 1];
    acc[a + c + 2] += x[b + c + 2];
    acc[a + c + 3] += x[b + c + 3];
  }
  for (; c < d; c++) acc[a + c] += x[b + c];
}

/** True when every value of the listed rows of `h` is finite. */
export function rowsFinite(h: Matrix, rows: readonly number[]): boolean {
  for (const i of rows) if (!allFinite(h.data.subarray(i * h.cols, (i + 1) * h.cols))) return false;
  return true;
}

/** values[from … from+length) as a plain array (a loop: `Array.from` of a typed array is several times slower). */
export function toArray(values: Float64Array, from: number, length: number): number[] {
  const out = new Array<number>(length);
  for (let c = 0; c < length; c++) out[c] = values[from + c];
  return out;
}
