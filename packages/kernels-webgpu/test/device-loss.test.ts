import { afterAll, describe, expect, it } from 'vitest';
import { isD2PrunerError } from '@d2pruner/core';
import { conformanceCases, KernelRegistry, runCpuKernel, type CosineMatrixInput } from '@d2pruner/kernels';
import { GPU_KERNELS, WebGPUBackend } from '../src/index.js';

const probe = new WebGPUBackend();
const hasAdapter = await probe.available();
if (hasAdapter) console.log(`[kernels-webgpu] device-loss and error-scope tests on ${probe.describe()}`);
else console.warn(`[kernels-webgpu] SKIPPING device-loss and error-scope tests: no adapter — ${probe.describe()}`);
await probe.dispose();

const input = conformanceCases({ kernels: ['cosineMatrix'] })[0].input as CosineMatrixInput;
const expected = runCpuKernel('cosineMatrix', input);
const backends: WebGPUBackend[] = [];

/** A backend whose device is destroyed right after the next submit, i.e. while a call is in flight. */
async function backendLosingDeviceOnSubmit(): Promise<WebGPUBackend> {
  const b = new WebGPUBackend({ minWork: 0, useSoftwareAdapter: true });
  backends.push(b);
  expect(await b.available()).toBe(true);
  await b.run('rowNorms', { x: input.x }); // warm: pipelines compiled, data resident
  const device = b.device!;
  const submit = device.queue.submit.bind(device.queue);
  device.queue.submit = (buffers: Iterable<GPUCommandBuffer>) => {
    submit(buffers);
    device.destroy();
  };
  return b;
}

afterAll(async () => {
  for (const b of backends) await b.dispose();
});

describe.skipIf(!hasAdapter)('device loss', () => {
  it('auto: the registry completes the call on the CPU and stops using webgpu', async () => {
    const b = await backendLosingDeviceOnSubmit();
    const registry = new KernelRegistry();
    registry.register(b);
    expect((await registry.plan('cosineMatrix')).map((x) => x.name)).toEqual(['webgpu', 'cpu']);
    const r = await registry.run('cosineMatrix', input);
    expect(r.backend).toBe('cpu');
    expect(r.output).toEqual(expected);
    expect(await registry.isAvailable('webgpu')).toBe(false);
    expect(b.describe()).toContain('[device lost]');
    const next = await registry.run('cosineMatrix', input);
    expect(next.backend).toBe('cpu');
  });

  it('a forced webgpu request also completes on the CPU; the backend itself rejects with DEVICE_LOST', async () => {
    const b = await backendLosingDeviceOnSubmit();
    const registry = new KernelRegistry();
    registry.register(b);
    const r = await registry.run('cosineMatrix', input, 'webgpu');
    expect(r.backend).toBe('cpu');
    expect(r.output).toEqual(expected);
    const err = await b.run('cosineMatrix', input).catch((e: unknown) => e);
    expect(isD2PrunerError(err) && err.code).toBe('DEVICE_LOST');
    expect(await b.available()).toBe(false);
  });

  it('after dispose() the backend gets a fresh device and works again', async () => {
    const b = await backendLosingDeviceOnSubmit();
    await expect(b.run('cosineMatrix', input)).rejects.toMatchObject({ code: 'DEVICE_LOST' });
    await b.dispose();
    expect(await b.available()).toBe(true);
    const out = await b.run('cosineMatrix', input);
    expect(out.length).toBe(expected.length);
  });
});

describe.skipIf(!hasAdapter)('error scopes', () => {
  it('a validation error inside a kernel becomes a typed BACKEND_UNAVAILABLE error naming it', async () => {
    const b = new WebGPUBackend();
    backends.push(b);
    const original = GPU_KERNELS.headMean!;
    GPU_KERNELS.headMean = async (run, { x }) => {
      const out = run.output('output', x.cols * 4);
      // a dispatch above maxComputeWorkgroupsPerDimension is a validation error
      await run.dispatch({ id: 'headMean-bad', code: 'struct P { h: u32, n: u32, a: u32, b: u32 }\n@group(0) @binding(0) var<storage, read_write> o: array<f32>;\n@compute @workgroup_size(1) fn main() { o[0] = 1.0; }' }, [out], [70000, 1]);
      return new Float32Array(await run.read(out, x.cols * 4));
    };
    try {
      const err = await b.run('headMean', { x: { rows: 2, cols: 3, data: new Float32Array(6) } }).catch((e: unknown) => e);
      expect(isD2PrunerError(err) && err.code).toBe('BACKEND_UNAVAILABLE');
      expect(String((err as Error).message)).toMatch(/GPUValidationError.*(workgroup|65535)/s);
    } finally {
      GPU_KERNELS.headMean = original;
    }
    expect(b.gpuContext!.pool.inUse).toBe(0);
    const ok = await b.run('headMean', { x: { rows: 2, cols: 3, data: Float32Array.of(1, 2, 3, 3, 4, 5) } });
    expect(Array.from(ok)).toEqual([2, 3, 4]);
  });

  it('an output above the storage-binding limit is refused up front, and auto falls back to the CPU', async () => {
    const b = new WebGPUBackend({ minWork: 0, useSoftwareAdapter: true });
    backends.push(b);
    expect(await b.available()).toBe(true);
    const max = b.device!.limits.maxStorageBufferBindingSize;
    const k = Math.ceil(Math.sqrt(max / 4)) + 1;
    const x = { rows: k, cols: 1, data: new Float32Array(k).fill(1) };
    await expect(b.run('cosineMatrix', { x })).rejects.toMatchObject({ code: 'BACKEND_UNAVAILABLE', field: 'output' });
    const registry = new KernelRegistry();
    registry.register(b);
    const small = { rows: 3, cols: 1, data: Float32Array.of(1, -1, 0) };
    expect(Array.from((await registry.run('cosineMatrix', { x: small })).output)).toEqual([1, -1, 0, -1, 1, 0, 0, 0, 0]);
    expect(b.gpuContext!.pool.inUse).toBe(0);
  });
});
