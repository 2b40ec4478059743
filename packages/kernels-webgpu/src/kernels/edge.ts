import type { EdgeBitsetInput } from '@d2pruner/kernels';
import { grid, type GpuRun } from '../gpu/run.js';
import { EDGE_SPEC } from '../shaders/edge.js';

/**
 * The integer radius equivalent to `radius` for integer coordinates (Chebyshev distance ≤ r ⇔
 * ≤ ⌊r⌋), clamped to i32; NaN admits no pair, like the reference's comparison.
 */
export function integerRadius(radius: number): number {
  if (Number.isNaN(radius)) return -1;
  return Math.max(-1, Math.min(2 ** 30, Math.floor(radius)));
}

/** `edgeBitset`: one thread per output word. */
export async function gpuEdgeBitset(run: GpuRun, input: EdgeBitsetInput): Promise<Uint32Array> {
  const { k, cos, frame, row, col, alpha, theta, radius } = input;
  const words = Math.ceil(k / 32);
  const total = k * words;
  if (total === 0) return new Uint32Array(0);
  const coords = new Int32Array(3 * k);
  coords.set(frame.subarray(0, k));
  coords.set(row.subarray(0, k), k);
  coords.set(col.subarray(0, k), 2 * k);
  const params = new ArrayBuffer(32);
  const u = new Uint32Array(params);
  const f = new Float32Array(params);
  u[0] = k;
  u[1] = words;
  new Int32Array(params)[2] = integerRadius(radius);
  u[3] = total;
  f[4] = alpha;
  f[5] = 1 - alpha;
  f[6] = theta;
  const out = run.output('output', total * 4);
  await run.dispatch(EDGE_SPEC, [run.input('cos', cos.subarray(0, k * k)), run.input('coords', coords), out, run.uniform(u)], grid(Math.ceil(total / 64)));
  return new Uint32Array(await run.read(out, total * 4));
}
