import { pairDot, SIMD_BATCH, storeFor, type SimdRowStore } from '@d2pruner/kernels';
import type { Matrix } from '@d2pruner/core';

/**
 * Dots of one feature row with a run of earlier picks, for the lazy greedy loops: double
 * precision (each equal to `pairDot`) or, where a SIMD store serves the rows, float32 for
 * screening (within `f32DotBound(D)·‖a‖·‖b‖`). At most {@link SIMD_BATCH} picks per call.
 */
export class PickDots {
  /** Results of the last call (first `count` entries). */
  readonly out = new Float64Array(SIMD_BATCH);
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

  /** Float32 dots like {@link exact} (needs the SIMD store). */
  screened(store: SimdRowStore, i: number, picks: readonly number[], from: number, count: number): Float64Array {
    this.count += count;
    store.dotsF32(i, picks, from, count, this.out);
    return this.out;
  }
}
