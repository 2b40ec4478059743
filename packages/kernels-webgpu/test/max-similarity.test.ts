import { afterAll, describe, expect, it } from 'vitest';
import { cpuMaxSimilarity, type MaxSimilarityInput } from '@d2pruner/kernels';
import { WebGPUBackend } from '../src/index.js';

const gpu = new WebGPUBackend();
const hasAdapter = await gpu.available();
if (!hasAdapter) console.warn(`[kernels-webgpu] SKIPPING maxSimilarity regression cases: no adapter — ${gpu.describe()}`);

afterAll(async () => {
  await gpu.dispose();
});

/** All-pairs maxSimilarity input over `rows` with their float64 norms. */
function allPairs(rows: number[][]): MaxSimilarityInput {
  const n = rows.length;
  const cols = rows[0].length;
  const x = Float32Array.from(rows.flat());
  const norms = Float64Array.from({ length: n }, (_, r) => {
    let s = 0;
    for (let k = 0; k < cols; k++) s += x[r * cols + k] * x[r * cols + k];
    return Math.sqrt(s);
  });
  const all = Int32Array.from({ length: n }, (_, i) => i);
  return { x, rows: n, cols, norms, queries: all, candidates: all };
}

// Rows whose squared norm leaves [2^-96, 2^100]: float32 products under- or overflow and the
// inverse norm may be infinite, so GPU cosines are NaN or ±Infinity there (found by fuzzing).
describe.skipIf(!hasAdapter)('maxSimilarity on webgpu with rows outside the float32 range', () => {
  it.each([
    // a subnormal row made the GPU maximum +Infinity and hid the exact duplicate (cos 1)
    ['subnormal candidate', [[0.5934119820594788, 0.20277884602546692], [1.401298464324817e-45, 0], [0.5934119820594788, 0.20277884602546692]]],
    // products overflow: the best candidate's GPU cosine was NaN, a worse one's +Infinity
    ['overflowing products', [[1e20, 1e20, 1e20], [2e20, 2e20, -2e19], [1e20, 0, 0], [0, 0, 1]]],
    // a tiny query: its GPU products flush to zero against tiny rows, not against normal ones
    ['tiny query', [[1e-25, 1e-25], [1e-20, 1e-20], [1, 0], [0, 1]]],
    ['huge and tiny rows mixed', [[3e38, 1e38], [1e-30, 2e-30], [1, 1], [3e38, 1e38], [2e-30, 1e-30], [0, 0], [-1, 1]]],
  ])('%s: exactly the CPU reference', async (_name, rows) => {
    const input = allPairs(rows);
    expect([...(await gpu.run('maxSimilarity', input))]).toEqual([...cpuMaxSimilarity(input)]);
  });
});
