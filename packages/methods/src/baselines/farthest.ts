import { cosineFromDot, dot1x4 } from '@d2pruner/kernels';

/** The row with the largest nearest-neighbour distance and that distance. */
export interface FarthestRow {
  /** Row index (lowest among equal distances). */
  index: number;
  /** Its nearest-neighbour distance min_{k≠j} (1 − cos). */
  distance: number;
}

/**
 * DivPrune's first pick (docs/baselines.md §4 step 1) on the CPU: argmax_j min_{k≠j} (1 − cos(x_j, x_k)),
 * ties → lowest j, without the N×N matrix. Rows are visited in index order; the scan of row j
 * visits its index neighbours j±1, j±2, … (spatial neighbours first on a raster grid) and stops
 * as soon as its running minimum falls to the best distance found so far, since j can then no
 * longer win (a later row loses ties). The result equals the full computation exactly (same
 * cosine for every pair); the work is O(N²·D) only when no row has a close neighbour.
 */
export function farthestRow(x: Float32Array, rows: number, cols: number, norms: Float64Array): FarthestRow {
  let bestIndex = -1;
  let best = -Infinity;
  const dots = new Float64Array(4);
  const ks = new Int32Array(4);
  for (let j = 0; j < rows; j++) {
    let partial = Infinity;
    let abandoned = false;
    let step = 1;
    let side = 0;
    while (!abandoned) {
      let count = 0;
      while (count < 4 && step < rows) {
        const k = side === 0 ? j + step : j - step;
        if (side === 0) side = 1;
        else {
          side = 0;
          step++;
        }
        if (k >= 0 && k < rows) ks[count++] = k;
      }
      if (count === 0) break;
      for (let c = count; c < 4; c++) ks[c] = ks[0];
      dot1x4(x, cols, j, ks[0], ks[1], ks[2], ks[3], dots);
      for (let c = 0; c < count; c++) {
        const d = 1 - cosineFromDot(dots[c], norms[j], norms[ks[c]]);
        if (d < partial) partial = d;
      }
      if (partial <= best) abandoned = true;
    }
    if (!abandoned && partial > best) {
      best = partial;
      bestIndex = j;
    }
  }
  return { index: bestIndex, distance: best };
}
