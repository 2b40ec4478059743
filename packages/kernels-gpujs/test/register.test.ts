import { describe, expect, it } from 'vitest';
import { kernelRegistry, KernelRegistry } from '@d2pruner/kernels';
import { GpuJsBackend } from '../src/index.js';
import { registerGpuJsBackend } from '../src/register.js';

describe('registration', () => {
  it('importing the entries registers nothing; registerGpuJsBackend() adds gpujs between webgpu and cpu', async () => {
    expect(kernelRegistry().list().map((b) => b.name)).toEqual(['cpu']);
    const own = new KernelRegistry();
    const b = registerGpuJsBackend(own, { mode: 'cpu', requireGpu: false });
    expect(b).toBeInstanceOf(GpuJsBackend);
    expect(own.list().map((x) => [x.name, x.priority])).toEqual([
      ['gpujs', 50],
      ['cpu', 0],
    ]);
    await b.dispose();
  });

  it('a refused backend leaves auto on the CPU and a forced request names the reason', async () => {
    const own = new KernelRegistry();
    const b = registerGpuJsBackend(own, { mode: 'cpu', minWork: 0 });
    const x = { rows: 1, cols: 2, data: Float32Array.of(3, 4) };
    expect(await own.run('rowNorms', { x })).toEqual({ backend: 'cpu', output: Float32Array.of(5) });
    await expect(own.run('rowNorms', { x }, 'gpujs')).rejects.toMatchObject({ code: 'BACKEND_UNAVAILABLE' });
    expect(b.describe()).toBe("gpujs (mode 'cpu': gpu.js resolved mode 'cpu' to cpu (gpu.js JavaScript fallback, not a GPU); refused because requireGpu is set)");
    await b.dispose();
  });
});
