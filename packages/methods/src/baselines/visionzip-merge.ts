import type { Matrix } from '@d2pruner/core';
import { screenArgmax, sumRowsByGroup } from '@d2pruner/kernels';
import { checkFiniteMatrix, failFinite } from './common.js';

/*
 * The two passes of VisionZip's contextual merging (docs/baselines.md §6 steps 6–7): assigning
 * the rest to targets by key cosine, then summing every member row once into its target's row.
 */

/**
 * For every index of `rest`, the position j of the target with the most similar key (exact
 * cosine, ties → lowest j); −1 elsewhere. A float32 SIMD screen keeps each row's best and
 * runner-up (`screenArgmax`): when they are more than 2ε apart the best is exact; otherwise
 * (near ties, keys the screen cannot cover) every target's exact cosine is compared in
 * ascending j with `>`. Throws the error naming `keys` when they are not finite.
 */
export function assignToTargets(keys: Matrix, rest: readonly number[], targets: readonly number[]): Int32Array {
  const vectors = targets.map((g) => keys.data.subarray(g * keys.cols, (g + 1) * keys.cols));
  const screen = screenArgmax(keys.data, keys.rows, keys.cols, vectors) ?? failFinite('keys', keys);
  const best = new Int32Array(keys.rows).fill(-1);
  try {
    for (const i of rest) {
      let pick = screen.pick[i];
      if (pick < 0) {
        let bestCos = -Infinity;
        for (let j = 0; j < targets.length; j++) {
          const v = screen.exact(j, i);
          if (v > bestCos) {
            bestCos = v;
            pick = j;
          }
        }
      }
      best[i] = pick;
    }
  } finally {
    screen.release();
  }
  return best;
}

/** Most doubles kept between calls for the sums (64 MB); larger sums get an array of their own. */
const SCRATCH_MAX = 1 << 23;
/**
 * The sums of the last call, reused by the next: they are read into the rows before `mergeRows`
 * returns, and a new 425 KB buffer per InternVL-size request made V8's full collections, which
 * count buffers against the heap, come a third to a half more often in a batch.
 */
let scratch = new Float64Array(0);

/**
 * The merged rows x_j = H_{g_j} + (1/|A_j|)·Σ_{i∈A_j} H_i (x_j = H_{g_j} when A_j = ∅), one per
 * target. `assign[i]` = j for a member of A_j, −1 for every other row. One pass over `features`
 * sums each member row into its target's row (double precision, rows in ascending order) and
 * checks that every value is finite (the error names `features`). Each value is rounded once to
 * float32, the features' precision (the result JSON writes float32 values with 9 significant
 * digits instead of a double's 17, `resultJson`). Each row is a `new Array(d)` filled by index:
 * about 2.5× faster to build than by `push` (which grows the array) and 9× faster than
 * `Array.from` of a typed array; `resultJson` writes it as fast as a packed array.
 */
export function mergeRows(h: Matrix, assign: Int32Array, targets: readonly number[], members: readonly number[][]): number[][] {
  const d = h.cols;
  const x = h.data;
  if (scratch.length < targets.length * d && targets.length * d <= SCRATCH_MAX) scratch = new Float64Array(targets.length * d);
  const simd = sumRowsByGroup(x, h.rows, d, assign, targets.length, scratch);
  if (simd === null) failFinite('features', h);
  const total = simd ?? groupSums(h, assign, targets.length);
  return targets.map((target, j) => {
    const count = members[j].length - 1;
    const o = j * d;
    const g = target * d;
    const row = new Array<number>(d);
    if (count > 0) for (let c = 0; c < d; c++) row[c] = Math.fround(x[g + c] + total[o + c] / count);
    else for (let c = 0; c < d; c++) row[c] = x[g + c];
    return row;
  });
}

/** `sumRowsByGroup` in JavaScript (no SIMD): the same sums, rows in ascending order, after the finite check. */
function groupSums(h: Matrix, assign: Int32Array, groups: number): Float64Array {
  checkFiniteMatrix('features', h);
  const d = h.cols;
  const x = h.data;
  const sums = new Float64Array(groups * d);
  for (let i = 0; i < h.rows; i++) {
    const j = assign[i];
    if (j >= 0) for (let c = 0; c < d; c++) sums[j * d + c] += x[i * d + c];
  }
  return sums;
}
