import { gridLayout, uniformRng, type TokenInput } from '@d2pruner/core';

/** Size and seed of a generated scene. */
export interface SceneSpec {
  rows: number;
  cols: number;
  dim: number;
  keep: number;
  seed: number;
  objects: number;
}

/** The scenes the page prunes (LLaVA-1.5's 24×24 grid among them). */
export const SCENES: readonly SceneSpec[] = [
  { rows: 24, cols: 24, dim: 64, keep: 64, seed: 1, objects: 10 },
  { rows: 24, cols: 24, dim: 128, keep: 144, seed: 2, objects: 14 },
  { rows: 12, cols: 20, dim: 32, keep: 30, seed: 3, objects: 6 },
];

/**
 * A scene of "objects": each token belongs to the nearest of `objects` random centres and its
 * features are that object's random prototype plus 5 % noise. Tokens of one object have cosine
 * ≈ 0.99, tokens of different objects |cos| < 0.6, so no pair sits near the edge threshold (0.8)
 * and float32 (GPU) and float64 (CPU) arithmetic must agree on every edge.
 */
export function makeScene(spec: SceneSpec): TokenInput {
  const { rows, cols, dim, objects, seed } = spec;
  const rand = uniformRng(seed);
  const n = rows * cols;
  const centres = Array.from({ length: objects }, () => [rand() * rows, rand() * cols]);
  const prototypes = Array.from({ length: objects }, () => Float32Array.from({ length: dim }, () => rand() * 2 - 1));
  const data = new Float32Array(n * dim);
  const attention = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const r = Math.floor(i / cols);
    const c = i % cols;
    let best = 0;
    for (let k = 1; k < objects; k++) {
      if (Math.hypot(centres[k][0] - r, centres[k][1] - c) < Math.hypot(centres[best][0] - r, centres[best][1] - c)) best = k;
    }
    for (let d = 0; d < dim; d++) data[i * dim + d] = prototypes[best][d] * (1 + 0.05 * (rand() * 2 - 1));
    attention[i] = 0.001 + 0.01 * rand() + (rand() < 0.05 ? 0.2 * rand() : 0);
  }
  return { features: { rows: n, cols: dim, data }, attention, layout: gridLayout(rows, cols) };
}
