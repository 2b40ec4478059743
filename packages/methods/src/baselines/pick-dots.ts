import { pairDot, SIMD_BATCH, storeFor, type SimdRowStore } from '@d2pruner/kernels';
import type { Matrix } from '@d2pruner/core';

/** Largest run of picks of one {@link PickDots.screenedPair} call. */
export const PAIR_BATCH = SIMD_BATCH / 2;

/**
 * Dots of one feature row with a run of earlier picks, for the lazy greedy loops: double
 * precision (each equal to `pairDot`) or, where a SIMD store serves the rows, float32 for
 * screening (within `f32DotBound(D)·‖a‖·‖b‖`). At most {@link SIMD_BATCH} picks per call.
 */
export class PickDots {
  /** Results of the last call (first `count` entries). */
  readonly out = new Float64Array(SIMD_BATCH);
  /** Results of the last {@link screenedPair} (first 2·count entries). */
  private readonly pairOut = new Float64Array(SIMD_BATCH);
  /** Dots computed (diagnostic). */
  count = 0;
  /** The SIMD store of the features, if any. */
  readonly store: SimdRowStore | undefined;

  /** @param h the features */
  constructor(private readonly h: Matrix) {
    this.store = storeFor(h.data, h.cols);
  }

  /** Double dots of row i with rows picks[from … from+count) into {@link out}. */
  exact(i: number, picks: readonly number[], from: number, count: number): Float64Array {
    this.count += count;
    if (this.store) this.store.dots(i, picks, from, count, this.out);
    else for (let k = 0; k < count; k++) this.out[k] = pairDot(this.h.data, this.h.cols, i, picks[from + k]);
    return this.out;
  }

  /** Float32 dots like {@link exact}, four picks per pass (needs the SIMD store; within `f32TileDotBound` of the stride). */
  screened(store: SimdRowStore, i: number, picks: readonly number[], from: number, count: number): Float64Array {
    this.count += count;
    store.dotsF32Tiled(i, picks, from, count, this.out);
    return this.out;
  }

  /**
   * Float32 dots of rows i and k with picks[from … from+count) (count ≤ {@link PAIR_BATCH}),
   * each pick row read once for both: dot(i, ·) at [2s], dot(k, ·) at [2s + 1]. Same bound.
   */
  screenedPair(store: SimdRowStore, i: number, k: number, picks: readonly number[], from: number, count: number): Float64Array {
    this.count += 2 * count;
    store.dotsF32PairTiled(i, k, picks, from, count, this.pairOut);
    return this.pairOut;
  }
}
