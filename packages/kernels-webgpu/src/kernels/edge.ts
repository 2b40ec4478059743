import type { EdgeBitsetInput } from '@d2pruner/kernels';
import { grid, type GpuRun } from '../gpu/run.js';
import { EDGE_PARAMS, EDGE_SPEC } from '../shaders/edge.js';

/**
 * The integer radius equivalent to `radius` for integer coordinates (Chebyshev distance ≤ r ⇔
 * ≤ ⌊r⌋), clamped to 2³⁰; NaN or a negative radius admits no pair, like the reference's comparison.
 */
export function integerRadius(radius: number): number {
  if (Number.isNaN(radius)) return -1;
  return Math.max(-1, Math.min(2 ** 30, Math.floor(radius)));
}

/** `a − min(a)` as u32 (coordinates only need differences). */
function shifted(a: Int32Array, k: number): Uint32Array {
  let lo = 0;
  for (let i = 0; i < k; i++) lo = Math.min(lo, a[i]);
  return Uint32Array.from(a.subarray(0, k), (v) => v - lo);
}

/** `edgeBitset`: one thread per output word. */
export async function gpuEdgeBitset(run: GpuRun, input: EdgeBitsetInput): Promise<Uint32Array> {
  const { k, cos, frame, row, col, alpha, theta, radius } = input;
  const words = Math.ceil(k / 32);
  const total = k * words;
  if (total === 0) return new Uint32Array(0);
  const coords = new Uint32Array(3 * k);
  coords.set(shifted(frame, k));
  coords.set(shifted(row, k), k);
  coords.set(shifted(col, k), 2 * k);
  const params = run.uniform(EDGE_PARAMS, { k, words, span: integerRadius(radius) + 1, total, alpha, oneMinusAlpha: 1 - alpha, theta });
  const out = run.output('output', total * 4);
  await run.dispatch(EDGE_SPEC, [run.input('cos', cos.subarray(0, k * k)), run.input('coords', coords), out, params], grid(Math.ceil(total / 64)));
  return new Uint32Array(await run.read(out, total * 4));
}
