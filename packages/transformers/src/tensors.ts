import { UnsupportedDtypeError } from '@d2pruner/core';
import type { TensorConstructor, TensorLike } from './types.js';

/** The float32 values of a tensor (float16 and others converted through `Tensor.to`). */
export function float32Data(t: TensorLike, field: string): Float32Array {
  if (t.data instanceof Float32Array) return t.data;
  if (typeof t.to === 'function') {
    const f = t.to('float32');
    if (f.data instanceof Float32Array) return f.data;
  }
  throw new UnsupportedDtypeError(field, t.type);
}

/** The integer values of an int64 / int32 tensor as numbers. */
export function intData(t: TensorLike): number[] {
  return Array.from(t.data as ArrayLike<number | bigint>, (v) => Number(v));
}

/** The transformers.js `Tensor` class of an existing tensor (so new tensors match the caller's copy of the library). */
export function tensorClassOf(t: TensorLike): TensorConstructor {
  return (t as unknown as { constructor: TensorConstructor }).constructor;
}
