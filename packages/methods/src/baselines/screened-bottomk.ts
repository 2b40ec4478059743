import type { CosineScreen } from '@d2pruner/kernels';

/**
 * The `quota` pool tokens with the smallest exact cosine to vector `v` of a {@link CosineScreen},
 * ties → lower index (`bottom-k`, docs/baselines.md §1.2), exact index for index: with U the
 * quota-th smallest upper bound c̃ + ε over the pool, at least `quota` tokens have an exact
 * cosine ≤ U, so a token whose lower bound c̃ − ε exceeds U can never be among them. Only the
 * others (and the tokens the screen does not cover, NaN) get their exact cosine.
 */
export function screenedBottomK(screen: CosineScreen, v: number, inPool: Uint8Array, quota: number): number[] {
  const { approx, eps, vectors } = screen;
  const n = inPool.length;
  const upper = new Float64Array(n);
  let count = 0;
  for (let j = 0, a = v; j < n; j++, a += vectors) if (inPool[j] && !Number.isNaN(approx[a])) upper[count++] = approx[a] + eps;
  const bound = count >= quota ? kthSmallest(upper, count, quota - 1) : Infinity;
  const candidates: number[] = [];
  const exact = new Map<number, number>();
  for (let j = 0, a = v; j < n; j++, a += vectors) {
    if (!inPool[j] || approx[a] - eps > bound) continue;
    candidates.push(j);
    exact.set(j, screen.exact(v, j));
  }
  candidates.sort((a, b) => (exact.get(a) as number) - (exact.get(b) as number) || a - b);
  return candidates.slice(0, quota);
}

/** The k-th smallest (0-based) of values[0 … count) by quickselect; reorders `values`. */
export function kthSmallest(values: Float64Array, count: number, k: number): number {
  let lo = 0;
  let hi = count - 1;
  while (lo < hi) {
    const pivot = values[(lo + hi) >> 1];
    let i = lo;
    let j = hi;
    while (i <= j) {
      while (values[i] < pivot) i++;
      while (values[j] > pivot) j--;
      if (i <= j) {
        const t = values[i];
        values[i] = values[j];
        values[j] = t;
        i++;
        j--;
      }
    }
    if (k <= j) hi = j;
    else if (k >= i) lo = i;
    else return values[k];
  }
  return values[k];
}
