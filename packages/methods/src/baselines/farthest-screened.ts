import { cosineFromDot, F32_SAFE_NORM_PRODUCT, f32DotBound, type SimdRowStore } from '@d2pruner/kernels';
import type { FarthestRow } from './farthest.js';

/**
 * {@link farthestRow} with float32 screening, the same answer: row j scans windows of index
 * neighbours (8, 16, 32, … on each side) with float32 SIMD range dots, whose distances lie
 * within δ = f32DotBound(D) of the double ones. It stops as soon as its screened running
 * minimum plus δ falls to the best exact distance so far (j can no longer win; later rows lose
 * ties). A row that scans everything gets its exact nearest-neighbour distance from double
 * dots with the rows within 2δ of its screened minimum only (no other row can be the nearest).
 * Returns undefined when a norm product leaves the float32-safe range (the caller then runs
 * the exact scan).
 */
export function farthestRowScreened(store: SimdRowStore, rows: number, cols: number, norms: Float64Array): FarthestRow | undefined {
  const [lo, hi] = F32_SAFE_NORM_PRODUCT;
  for (let i = 0; i < rows; i++) {
    const sq = norms[i] * norms[i];
    if (sq !== 0 && (sq < lo || sq > hi)) return undefined;
  }
  const delta = f32DotBound(cols) + 1e-15;
  const approx = new Float64Array(rows);
  const scratch = new Float64Array(rows);
  let best = -Infinity;
  let bestIndex = -1;
  for (let j = 0; j < rows; j++) {
    let partial = Infinity;
    let left = j;
    let right = j + 1;
    let width = 8;
    let abandoned = false;
    while (left > 0 || right < rows) {
      const l0 = Math.max(0, left - width);
      const r1 = Math.min(rows, right + width);
      partial = Math.min(partial, scan(store, norms, j, l0, left, approx, scratch), scan(store, norms, j, right, r1, approx, scratch));
      left = l0;
      right = r1;
      width *= 2;
      if (partial + delta <= best) {
        abandoned = true;
        break;
      }
    }
    if (abandoned || rows < 2) continue;
    let exact = Infinity;
    for (let k = 0; k < rows; k++) {
      if (k === j || approx[k] > partial + 2 * delta) continue;
      const d = 1 - cosineFromDot(store.dot(j, k), norms[j], norms[k]);
      if (d < exact) exact = d;
    }
    if (exact > best) {
      best = exact;
      bestIndex = j;
    }
  }
  return { index: bestIndex, distance: best };
}

/** Screened distances of row j to rows [from, to) into `approx`; returns their minimum. */
function scan(store: SimdRowStore, norms: Float64Array, j: number, from: number, to: number, approx: Float64Array, scratch: Float64Array): number {
  if (to <= from) return Infinity;
  store.dotsRangeF32(j, from, to - from, scratch);
  let m = Infinity;
  const nj = norms[j];
  for (let k = from; k < to; k++) {
    const scale = nj * norms[k];
    const d = scale === 0 ? 1 : 1 - scratch[k - from] / scale;
    approx[k] = d;
    if (d < m) m = d;
  }
  return m;
}
