import { assertInteger } from '@d2pruner/core';
import { assertScores } from './check-scores.js';
import { radixRankOrder } from './radix-order.js';

/** Below this many scores the comparator sort is as fast as the radix passes. */
const RADIX_MIN = 64;

/**
 * Indices sorted by `score` descending, equal scores → lower index first (docs/algorithm.md §3 step 3,
 * docs/baselines.md §1.2). Stable and deterministic. A radix sort on exact keys for N ≥ 64
 * (the same order), a comparator sort below or when a score is NaN.
 */
export function rankOrder(score: ArrayLike<number>): Int32Array {
  assertScores('score', score);
  const radix = score.length >= RADIX_MIN ? radixRankOrder(score) : undefined;
  if (radix) return radix;
  const idx = Int32Array.from({ length: score.length }, (_, i) => i);
  return idx.sort((a, b) => {
    const d = score[b] - score[a];
    return d !== 0 ? d : a - b;
  });
}

/**
 * The first `k` entries of {@link rankOrder} without sorting everything: O(N log k) via a
 * partial selection, same result index for index. `k` must be an integer ≥ 0 (INVALID_INPUT
 * naming `k`; k ≥ N gives the whole order).
 */
export function topK(score: ArrayLike<number>, k: number): Int32Array {
  assertScores('score', score);
  assertInteger('k', k);
  const n = score.length;
  if (k >= n / 4) return rankOrder(score).slice(0, k);
  const better = (a: number, b: number) => score[a] > score[b] || (score[a] === score[b] && a < b);
  // min-heap of the best k seen, root = the worst among them
  const heap = new Int32Array(k);
  let size = 0;
  const siftUp = (i: number) => {
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (better(heap[p], heap[i])) {
        const t = heap[p];
        heap[p] = heap[i];
        heap[i] = t;
        i = p;
      } else break;
    }
  };
  const siftDown = (i: number) => {
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let w = i;
      if (l < size && better(heap[w], heap[l])) w = l;
      if (r < size && better(heap[w], heap[r])) w = r;
      if (w === i) return;
      const t = heap[w];
      heap[w] = heap[i];
      heap[i] = t;
      i = w;
    }
  };
  for (let i = 0; i < n; i++) {
    if (size < k) {
      heap[size++] = i;
      siftUp(size - 1);
    } else if (k > 0 && better(i, heap[0])) {
      heap[0] = i;
      siftDown(0);
    }
  }
  return heap.slice(0, size).sort((a, b) => (better(a, b) ? -1 : 1));
}
