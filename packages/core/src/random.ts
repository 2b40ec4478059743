/**
 * mulberry32 (docs/baselines.md §9): a uint32 PRNG on a uint32 state, bit-identical across languages
 * and platforms (32-bit integer arithmetic only). Returns a generator of uint32 values.
 */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  };
}

/** A seeded generator of uniform numbers in [0, 1): mulberry32 divided by 2³². */
export function uniformRng(seed: number): () => number {
  const next = mulberry32(seed);
  return () => next() / 4294967296;
}
