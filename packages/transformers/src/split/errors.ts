import { D2PrunerError } from '@d2pruner/core';

/** Why a decoder graph cannot be split before layer K. */
export type UnsplittableReason =
  | 'layer-naming'
  | 'control-flow'
  | 'fused-attention'
  | 'residual'
  | 'attention'
  | 'inputs'
  | 'external-data';

/**
 * A decoder graph that `splitDecoderGraph` refuses (code `INVALID_INPUT`, field `model`):
 * `reason` says what is missing (layer-named nodes, a single residual stream between layers
 * K−1 and K, a visible query · keyᵀ in layer K−1, …) and the message names the nodes involved.
 */
export class UnsplittableGraphError extends D2PrunerError {
  /** Machine-readable reason. */
  readonly reason: UnsplittableReason;

  /** @param reason why @param message human explanation, naming nodes */
  constructor(reason: UnsplittableReason, message: string) {
    super('INVALID_INPUT', 'model', `cannot split the decoder (${reason}): ${message}`);
    this.reason = reason;
  }
}
