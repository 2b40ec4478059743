import { allFinite } from '@d2pruner/core';
import { scanBlocks } from './row-scan.js';
import { inverseNorm, padPair, screenBound, screenSetup } from './screened-cosines.js';

/** The argmax of every row's cosines with a few vectors, decided by a float32 screen where it can be. */
export interface ArgmaxScreen {
  /**
   * Per row, the vector with the largest exact cosine when the screen proves it (its screened
   * maximum beats the runner-up by more than 2ε), else −1: a near tie or an unscreened row or
   * vector, which {@link exact} must decide.
   */
  pick: Int32Array;
  /** The exact cosine of vector v with row j (double, bit-identical to `pairDot` cosines). */
  exact(v: number, j: number): number;
  /** Hands the WebAssembly instance back; call when done with {@link exact}. */
  release(): void;
}

/**
 * The most similar vector (cosine) of every row of `x` ([rows, cols]) among `vectors`, in one
 * SIMD pass over `x` that also checks it is finite (undefined when it is not). The kernel keeps
 * only each row's best and second float32 scores, so nothing of size rows × vectors is stored.
 * Each screened cosine is within ε = screenBound(cols) + 3u of the exact one (two more float32
 * roundings: the vector's reciprocal norm and the product), so a row whose best beats its
 * runner-up by more than 2ε has that argmax exactly. Without SIMD every row is left to `exact`.
 */
export function screenArgmax(x: Float32Array, rows: number, cols: number, vectors: Float32Array[]): ArgmaxScreen | undefined {
  const setup = screenSetup(x, rows, cols, vectors);
  const { mem, stride, groups, exact } = setup;
  const pick = new Int32Array(rows).fill(-1);
  if (!mem) return allFinite(x) ? { pick, exact, release: () => undefined } : undefined;
  const inv = mem.at('inv') >> 2;
  const heap = mem.heap();
  for (let v = 0; v < vectors.length; v++) heap.f32[inv + v] = 1 / setup.vectorNorms[v];
  const window = 2 * (screenBound(cols) + 3 * 2 ** -24);
  const out = mem.at('out');
  const ok = scanBlocks(mem, x, rows, cols, (first, r0, count) => {
    const pairs = padPair(mem, first, count, stride);
    mem.wasm.top2x4F32(first, pairs, stride, mem.at('vecs'), groups, mem.at('inv'), vectors.length, out);
    const { f32, i32 } = mem.heap();
    for (let r = 0, o = out >> 2; r < count; r++, o += 5) {
      const s = inverseNorm(f32[o + 4]);
      if (i32[o + 3] !== 0 || Number.isNaN(s)) continue;
      if (f32[o + 1] * s < f32[o] * s - window) pick[r0 + r] = i32[o + 2];
    }
  });
  if (!ok) {
    mem.release();
    return undefined;
  }
  return { pick, exact, release: () => mem.release() };
}
