import { uniformRng } from '@d2pruner/core';

/**
 * A small deterministic pseudo-random source (mulberry32). Every weight tensor gets its own
 * stream, seeded from the model seed and the tensor's name, so a tensor's values do not depend
 * on the order in which tensors are generated.
 */
export class Rng {
  private readonly uniform01: () => number;

  /** @param seed any 32-bit integer */
  constructor(seed: number) {
    this.uniform01 = uniformRng(seed);
  }

  /** A stream for one named tensor of a model with seed `seed`. */
  static forTensor(seed: number, name: string): Rng {
    return new Rng(hash32(`${seed >>> 0}:${name}`));
  }

  /** Next uniform value in [0, 1). */
  next(): number {
    return this.uniform01();
  }

  /** `n` values uniform in [−a, a) with a = std·√3, i.e. zero mean and standard deviation `std`. */
  uniform(n: number, std: number): Float32Array {
    const a = std * Math.sqrt(3);
    const out = new Float32Array(n);
    for (let i = 0; i < n; i++) out[i] = (2 * this.next() - 1) * a;
    return out;
  }
}

/** FNV-1a hash of a string, 32 bits. */
export function hash32(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}
