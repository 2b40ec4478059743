import { InvalidInputError, assertFiniteNonNegative, type Layout, layoutSignature } from '@d2pruner/core';

/** A calibrated positional prior and its key (docs/algorithm.md §6, docs/formats.md §1). */
export interface PriorResult {
  /** Mean attention per position, [N]. */
  prior: Float32Array;
  /** How many inputs were averaged. */
  samples: number;
  /** The layout signature the prior belongs to. */
  layoutSignature: string;
}

/**
 * Streaming mean of attention per position over inputs that share one layout signature.
 * Sums in double precision; memory is O(N) whatever the number of inputs.
 */
export class PriorAccumulator {
  private sum: Float64Array | undefined;
  private count = 0;
  private signature: string | undefined;

  /** @param signature the layout signature every input must have (fixed by the first input when absent) */
  constructor(signature?: string) {
    this.signature = signature;
  }

  /** The signature inputs must match (undefined until the first input when not given). */
  get layoutSignature(): string | undefined {
    return this.signature;
  }

  /** Number of inputs averaged so far. */
  get samples(): number {
    return this.count;
  }

  /**
   * True when an input with this layout would be accepted. Inputs with another layout must be
   * reported by the caller, not averaged in.
   */
  accepts(layout: Layout): boolean {
    return this.signature === undefined || layoutSignature(layout) === this.signature;
  }

  /** Adds one attention vector; throws when its layout or length differs. */
  add(attention: Float32Array, layout: Layout): void {
    if (typeof layout !== 'object' || layout === null) throw new InvalidInputError('layout', 'a prior is averaged per layout: pass the input\'s layout');
    const sig = layoutSignature(layout);
    if (this.signature !== undefined && sig !== this.signature) {
      throw new InvalidInputError('layout', `layout ${sig} differs from the calibration layout ${this.signature}`);
    }
    assertFiniteNonNegative('attention', attention);
    this.signature = sig;
    if (!this.sum) this.sum = new Float64Array(attention.length);
    if (attention.length !== this.sum.length) {
      throw new InvalidInputError('attention', `attention has ${attention.length} entries, expected ${this.sum.length}`);
    }
    for (let i = 0; i < attention.length; i++) this.sum[i] += attention[i];
    this.count++;
  }

  /** The mean so far; throws when nothing was added. */
  result(): PriorResult {
    if (!this.sum || this.count === 0 || this.signature === undefined) {
      throw new InvalidInputError('attention', 'calibration needs at least one input with attention');
    }
    const prior = Float32Array.from(this.sum, (v) => v / this.count);
    return { prior, samples: this.count, layoutSignature: this.signature };
  }
}
