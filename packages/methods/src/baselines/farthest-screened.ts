import { cosineFromDot, F32_SAFE_NORM_PRODUCT, f32DotBound, type SimdRowStore } from '@d2pruner/kernels';
import type { FarthestRow } from './farthest.js';

/** Index neighbours on each side whose screened distances give every row its first bound. */
const NEAR = 8;

/**
 * {@link farthestRow} with float32 screening, the same answer: float32 SIMD range dots give
 * distances within δ = f32DotBound(D) of the double ones. A first pass bounds every row's
 * nearest-neighbour distance from above by its screened distances to its NEAR index neighbours
 * on each side (+δ); rows are then visited by decreasing bound, so a row that can win comes
 * early, and the visit stops at the first row whose bound falls below the best exact distance
 * (no later row can reach it). A visited row scans windows of index neighbours (8, 16, 32, …
 * on each side) and is abandoned once its screened running minimum plus δ falls below the best
 * exact distance (or reaches it from a higher index: ties → lowest index). A row that scans
 * everything gets its exact nearest-neighbour distance from double dots with the rows within 2δ
 * of its screened minimum only (no other row can be the nearest). Returns undefined when a
 * norm product leaves the float32-safe range (the caller then runs the exact scan).
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
  const bound = nearBounds(store, norms, rows, approx, scratch);
  const byBound = Int32Array.from({ length: rows }, (_, i) => i).sort((a, b) => bound[b] - bound[a] || a - b);
  let best = -Infinity;
  let bestIndex = -1;
  const beaten = (d: number, j: number) => d < best || (d === best && j > bestIndex);
  for (const j of byBound) {
    if (beaten(bound[j] + delta, j)) {
      if (bound[j] + delta < best) break;
      continue;
    }
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
      if (beaten(partial + delta, j)) {
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
    if (exact > best || (exact === best && j < bestIndex)) {
      best = exact;
      bestIndex = j;
    }
  }
  return { index: bestIndex, distance: best };
}

/** Every row's smallest screened distance to its NEAR index neighbours on each side (∞ for a lone row). */
function nearBounds(store: SimdRowStore, norms: Float64Array, rows: number, approx: Float64Array, scratch: Float64Array): Float64Array {
  const bound = new Float64Array(rows).fill(Infinity);
  for (let j = 0; j + 1 < rows; j++) {
    const to = Math.min(rows, j + 1 + NEAR);
    const m = scan(store, norms, j, j + 1, to, approx, scratch);
    if (m < bound[j]) bound[j] = m;
    for (let k = j + 1; k < to; k++) if (approx[k] < bound[k]) bound[k] = approx[k];
  }
  return bound;
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
