/**
 * The float32 screen's lower bound of a token's fall over a run of steps, from its dots with the
 * basis rows (`DppScreen`): Σ_k (|dots[at + k·step]|·invNorm − eta[from + k])₊² over k < count,
 * where invNorm = 1/‖h_i‖ and eta[s] bounds the error of step s's float32 dot. Self-contained
 * (no outer names): the screen helper thread runs its source text.
 */
export function screenFallSum(dots: Float32Array, eta: Float64Array, from: number, count: number, invNorm: number, at: number, step: number): number {
  let sum = 0;
  for (let k = 0; k < count; k++) {
    const v = Math.abs(dots[at + k * step]) * invNorm - eta[from + k];
    if (v > 0) sum += v * v;
  }
  return sum;
}
