import { gridLayout, type TokenInput } from '@d2pruner/core';
import { rng } from './scenes.js';

/** Side of the ramp scenes. */
export const SIDE = 8;

/** The positional bias: 1 on the top row rising to 5 on the bottom row (RoPE-like decay toward the end). */
export const ramp = (token: number) => 1 + (4 * Math.floor(token / SIDE)) / (SIDE - 1);

/**
 * A scene whose attention is ramp × content, content ~ U[0.5, 1.5] (mean 1), optionally with a
 * content peak of 3 planted at `peak`. Features are random in [−1, 1).
 */
export function rampScene(seed: number, peak?: number, d = 16): TokenInput & { attention: Float32Array } {
  const n = SIDE * SIDE;
  const r = rng(seed);
  const attention = new Float32Array(n);
  for (let i = 0; i < n; i++) attention[i] = ramp(i) * (0.5 + r());
  if (peak !== undefined) attention[peak] = ramp(peak) * 3;
  const data = Float32Array.from({ length: n * d }, () => r() * 2 - 1);
  return { features: { rows: n, cols: d, data }, attention, layout: gridLayout(SIDE, SIDE) };
}
