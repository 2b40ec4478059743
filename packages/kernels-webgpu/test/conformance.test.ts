import { afterAll, describe, expect, it } from 'vitest';
import { conformanceCases, cpuBackend, EXACT_TOLERANCE, KERNEL_NAMES, resolveTolerance, checkKernel, type ConformanceReport, type KernelInput } from '@d2pruner/kernels';
import { WEBGPU_TOLERANCE, WebGPUBackend } from '../src/index.js';

const gpu = new WebGPUBackend({ errorScopes: false });
const hasAdapter = await gpu.available();
if (hasAdapter) console.log(`[kernels-webgpu] conformance on ${gpu.describe()}`);
else console.warn(`[kernels-webgpu] SKIPPING WebGPU conformance: no adapter — ${gpu.describe()}`);

const reports: ConformanceReport[] = [];

afterAll(async () => {
  if (reports.length) {
    const worst = new Map<string, number>();
    for (const r of reports) worst.set(r.kernel, Math.max(worst.get(r.kernel) ?? 0, r.maxAbsError));
    const summary = [...worst].map(([k, e]) => `${k} ${e.toExponential(1)}`).join(', ');
    console.log(`[kernels-webgpu] ${reports.filter((r) => r.ok).length}/${reports.length} cases within tolerance; max |Δ| by kernel: ${summary}`);
  }
  await gpu.dispose();
});

const cases = conformanceCases();

describe('conformance on cpu (the oracle against itself)', () => {
  it.each(cases.map((c) => [c.id, c] as const))('%s', async (_id, c) => {
    const r = await checkKernel(cpuBackend, c.kernel, c.input as KernelInput<typeof c.kernel>, EXACT_TOLERANCE, c.id);
    expect(r.ok, r.message).toBe(true);
  });
});

describe.skipIf(!hasAdapter)('conformance on webgpu', () => {
  it('implements every kernel name except the float64 value kernels it refuses', () => {
    expect(KERNEL_NAMES.filter((k) => !gpu.supports(k))).toEqual(['maxMinUpdate', 'dppUpdate']);
  });

  it.each(cases.filter((c) => gpu.supports(c.kernel)).map((c) => [c.id, c] as const))('%s', async (_id, c) => {
    const device = gpu.device!;
    device.pushErrorScope('validation');
    device.pushErrorScope('out-of-memory');
    const r = await checkKernel(gpu, c.kernel, c.input as KernelInput<typeof c.kernel>, resolveTolerance(WEBGPU_TOLERANCE, c.kernel, c.tolerance), c.id);
    const oom = await device.popErrorScope();
    const validation = await device.popErrorScope();
    expect(validation?.message ?? null, 'validation error scope').toBeNull();
    expect(oom?.message ?? null, 'out-of-memory error scope').toBeNull();
    reports.push(r);
    expect(r.ok, r.message).toBe(true);
  });

  it('returns every pooled buffer and caches pipelines by shader variant, not by shape', async () => {
    const ctx = gpu.gpuContext!;
    expect(ctx.pool.inUse).toBe(0);
    // rowDot ×2 (norm, inverse norm), gram ×2 (full, symmetric), pair, edge, head mean, edgeBlock + its norms
    expect(ctx.pipelineCount).toBe(9);
    const x = { rows: 300, cols: 40, data: Float32Array.from({ length: 12000 }, (_, i) => Math.sin(i)) };
    const all = Int32Array.from({ length: 299 }, (_, i) => i);
    await gpu.run('similarityRows', { x, queries: Int32Array.of(1, 2, 3), candidates: all });
    await gpu.run('similarityRows', { x, queries: all.subarray(0, 100), candidates: all });
    await gpu.run('cosineMatrix', { x });
    await gpu.run('maxSimilarity', { x: x.data, rows: 300, cols: 40, norms: new Float64Array(300).fill(1), queries: all, candidates: all });
    await gpu.run('edgeBlock', { x, subset: all, alpha: 1, theta: 0.5 });
    await gpu.run('edgeBlock', { x, subset: all.subarray(0, 130), alpha: 0.9, theta: 0.2 });
    expect(ctx.pipelineCount).toBe(9);
    expect(ctx.pool.inUse).toBe(0);
  });
});
