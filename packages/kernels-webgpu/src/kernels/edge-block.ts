import { cosineErrorBound, cosineThresholds, type EdgeBlockInput, type EdgeBlockOutput } from '@d2pruner/kernels';
import { grid, type GpuRun } from '../gpu/run.js';
import { BLOCK_CHUNK, BLOCK_NORM_PARAMS, BLOCK_NORM_SPEC, BLOCK_PARAMS, BLOCK_SPEC, BLOCK_TILE } from '../shaders/edge-block.js';

/** Largest finite stand-in for ±∞ thresholds (cosines lie within ±(1 + bound)). */
const FAR = 4;

/** Upper-triangle bitset with every pair i < j set. */
function allPairs(k: number, words: number): Uint32Array {
  const bits = new Uint32Array(k * words);
  for (let i = 0; i < k; i++) for (let j = i + 1; j < k; j++) bits[i * words + (j >>> 5)] |= 1 << (j & 31);
  return bits;
}

/**
 * `edgeBlock` on the GPU: inverse norms, then the fused cosine-block kernel deciding each pair
 * i < j against the float32 interval of {@link cosineThresholds} widened by the proven
 * {@link cosineErrorBound} of this summation (chunks of 16). Reads back the bitset and the list
 * of uncertain pairs (re-run with a larger list in the rare case it overflowed). A constant rule
 * (alpha = 0, theta < 0, alpha ≤ theta) is answered on the host without a dispatch.
 */
export async function gpuEdgeBlock(run: GpuRun, input: EdgeBlockInput): Promise<EdgeBlockOutput> {
  const { x, subset, alpha, theta } = input;
  const k = subset.length;
  const words = Math.ceil(k / 32);
  const { lo, hi } = cosineThresholds(alpha, theta, cosineErrorBound(x.cols, { chunk: BLOCK_CHUNK }));
  if (k < 2 || lo === Infinity) return { bits: new Uint32Array(k * words), uncertain: new Int32Array(0) };
  if (hi === -Infinity) return { bits: allPairs(k, words), uncertain: new Int32Array(0) };
  const X = run.matrix('x', x.data);
  const I = run.input('subset', Uint32Array.from(subset));
  const inv = run.output('norms', k * 4);
  await run.dispatch(BLOCK_NORM_SPEC, [X, I, inv, run.uniform(BLOCK_NORM_PARAMS, { k, d: x.cols })], grid(k));
  const bits = run.output('bits', k * words * 4);
  const tiles = Math.ceil(k / BLOCK_TILE);
  const hiF = Math.min(hi, FAR);
  const perturb = input.perturb ?? 0;
  let cap = Math.max(4096, 4 * k);
  for (;;) {
    const unc = run.output('uncertain', (1 + 2 * cap) * 4);
    run.zero(unc, 4);
    const params = run.uniform(BLOCK_PARAMS, { k, d: x.cols, words, cap, lo: Math.max(lo, -FAR), hi: hiF, perturb, mid: hiF < FAR ? (lo + hiF) / 2 : lo });
    await run.dispatch(BLOCK_SPEC, [X, I, inv, bits, unc, params], [tiles, tiles]);
    const [b, u] = await run.readMany([
      [bits, k * words * 4],
      [unc, (1 + 2 * cap) * 4],
    ]);
    const list = new Int32Array(u);
    const count = list[0] >>> 0;
    if (count <= cap) return { bits: new Uint32Array(b), uncertain: list.slice(1, 1 + 2 * count) };
    cap = count;
  }
}
