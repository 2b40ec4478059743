import { uniformRng, type Matrix } from '@d2pruner/core';

/** A deterministic source of uniform numbers in [0, 1). */
export type Rng = () => number;

/**
 * mulberry32 (core's `uniformRng`): seeded, 32-bit integer arithmetic only, so the conformance
 * inputs are the same in Node and in browsers.
 */
export const seededRng: (seed: number) => Rng = uniformRng;

/** A uniform integer in [0, n). */
export function randomInt(rng: Rng, n: number): number {
  return Math.floor(rng() * n);
}

/** Options of {@link featureMatrix}. */
export interface FeatureMatrixOptions {
  /** Weight of a direction shared by every row (spreads the cosines away from 0). Default 0.8. */
  shared?: number;
  /** Rows forced to zero (their cosines must be exactly 0). */
  zeroRows?: readonly number[];
  /** Vary the row magnitudes over 1e-3 … 1e3 (cosines must not depend on scale). Default true. */
  scaleRows?: boolean;
}

/**
 * A [rows × cols] feature matrix like a vision encoder's: a shared direction plus noise, so that
 * cosines cover roughly [−0.5, 1], with optional zero rows and widely varying row norms.
 */
export function featureMatrix(rng: Rng, rows: number, cols: number, options: FeatureMatrixOptions = {}): Matrix {
  const shared = options.shared ?? 0.8;
  const scale = options.scaleRows ?? true;
  const common = Float64Array.from({ length: cols }, () => rng() - 0.5);
  const data = new Float32Array(rows * cols);
  for (let i = 0; i < rows; i++) {
    const w = shared * ((i % 5) / 4);
    const s = scale ? 10 ** ((i % 7) - 3) : 1;
    for (let c = 0; c < cols; c++) data[i * cols + c] = s * (w * common[c] + (rng() - 0.5));
  }
  for (const z of options.zeroRows ?? []) data.fill(0, z * cols, (z + 1) * cols);
  return { rows, cols, data };
}

/** `count` indices drawn from [0, n) (with repeats when `repeats`, else a shuffled prefix). */
export function randomIndices(rng: Rng, n: number, count: number, repeats = false): Int32Array {
  if (repeats) return Int32Array.from({ length: count }, () => randomInt(rng, n));
  const all = Int32Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = randomInt(rng, i + 1);
    const t = all[i];
    all[i] = all[j];
    all[j] = t;
  }
  return all.slice(0, Math.min(count, n));
}
