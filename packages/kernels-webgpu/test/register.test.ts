import { afterAll, describe, expect, it } from 'vitest';
import { isD2PrunerError } from '@d2pruner/core';
import { conformanceCases, kernelRegistry, KernelRegistry, kernelWork, type CosineMatrixInput } from '@d2pruner/kernels';
import { navigatorGpuProvider, sizeClass, WEBGPU_MIN_WORK, WebGPUBackend } from '../src/index.js';
import { dawnGpuProvider } from '../src/provider/dawn.js';
import { selfTestCase } from '../src/gpu/self-test.js';
import { registerWebGPUBackend } from '../src/register.js';

const disposables: WebGPUBackend[] = [];
afterAll(async () => {
  for (const b of disposables) await b.dispose();
});

describe('registration', () => {
  it('importing the root entry and the register subpath registers nothing', () => {
    expect(kernelRegistry().list().map((b) => b.name)).toEqual(['cpu']);
  });

  it('registerWebGPUBackend() adds webgpu above cpu on the process-wide or a given registry', () => {
    const own = new KernelRegistry();
    const b = registerWebGPUBackend(own, { minWork: 123 });
    disposables.push(b);
    expect(own.list().map((x) => [x.name, x.priority])).toEqual([
      ['webgpu', 100],
      ['cpu', 0],
    ]);
    expect(b.minWork).toBe(123);
    const global = registerWebGPUBackend();
    disposables.push(global);
    expect(kernelRegistry().list()[0]).toBe(global);
    kernelRegistry().unregister('webgpu');
  });
});

describe('a missing adapter', () => {
  it('makes the backend unavailable with the reason, and auto runs on the CPU', async () => {
    const noAdapter = { requestAdapter: async () => null } as unknown as GPU;
    const b = new WebGPUBackend({ provider: navigatorGpuProvider(noAdapter), minWork: 0 });
    expect(b.describe()).toBe('webgpu (adapter not requested yet)');
    expect(await b.available()).toBe(false);
    expect(b.describe()).toBe('webgpu (unavailable: navigator.gpu.requestAdapter() found no adapter)');
    const err = await b.run('rowNorms', { x: { rows: 1, cols: 1, data: Float32Array.of(2) } }).catch((e: unknown) => e);
    expect(isD2PrunerError(err) && err.code).toBe('BACKEND_UNAVAILABLE');
    const registry = new KernelRegistry();
    registry.register(b);
    const r = await registry.run('rowNorms', { x: { rows: 1, cols: 2, data: Float32Array.of(3, 4) } });
    expect(r).toEqual({ backend: 'cpu', output: Float32Array.of(5) });
    await expect(registry.run('rowNorms', { x: { rows: 1, cols: 1, data: Float32Array.of(1) } }, 'webgpu')).rejects.toMatchObject({ code: 'BACKEND_UNAVAILABLE' });
  });

  it('a runtime without navigator.gpu says so', async () => {
    await expect(navigatorGpuProvider()()).rejects.toThrow(/navigator\.gpu is missing/);
  });
});

describe('an adapter that computes nothing', () => {
  it("Dawn's null backend fails the device's known-answer test: unavailable, and auto runs on the CPU", async () => {
    const b = new WebGPUBackend({ provider: dawnGpuProvider({ backends: ['null'] }), minWork: 0, useSoftwareAdapter: true });
    disposables.push(b);
    expect(await b.available()).toBe(false);
    // either Dawn offers no null adapter here, or it does and the known-answer test refuses it
    expect(b.describe()).toMatch(/unavailable: (Dawn found no adapter|.*does not compute: a known-answer test read out\[\d+\] = .*, expected )/);
    const registry = new KernelRegistry();
    registry.register(b);
    const x = { rows: 2, cols: 2, data: Float32Array.of(1, 0, 0, 1) };
    expect(await registry.run('cosineMatrix', { x })).toEqual({ backend: 'cpu', output: Float32Array.of(1, 0, 0, 1) });
  });

  it('the known answer is 2·a + 1 of inputs exact in float32', () => {
    const { input, expected } = selfTestCase();
    expect(input).toHaveLength(64);
    expect(Array.from(expected.slice(0, 3))).toEqual([-29, -27.5, -26]);
    expect(expected.every((v, i) => v === 2 * input[i] + 1)).toBe(true);
  });
});

const probe = new WebGPUBackend({ useSoftwareAdapter: true });
disposables.push(probe);
const hasAdapter = await probe.available();
const software = hasAdapter && probe.gpuContext!.software;
if (!hasAdapter) console.warn(`[kernels-webgpu] SKIPPING the auto-selection tests: no adapter — ${probe.describe()}`);

describe.skipIf(!hasAdapter)('auto selection by work', () => {
  it(`keeps calls under minWork (${WEBGPU_MIN_WORK}) on the CPU and sends bigger ones to webgpu`, async () => {
    const registry = new KernelRegistry();
    registry.register(probe);
    const small = conformanceCases({ kernels: ['cosineMatrix'] })[0].input as CosineMatrixInput;
    expect(kernelWork('cosineMatrix', small)).toBeLessThan(WEBGPU_MIN_WORK);
    expect((await registry.run('cosineMatrix', small)).backend).toBe('cpu');
    const rows = 300;
    const cols = 64;
    const big = { x: { rows, cols, data: Float32Array.from({ length: rows * cols }, (_, i) => Math.cos(i * 0.37)) } };
    expect(kernelWork('cosineMatrix', big)).toBeGreaterThanOrEqual(WEBGPU_MIN_WORK);
    const r = await registry.run('cosineMatrix', big);
    expect(r.backend).toBe('webgpu');
    expect(r.output.length).toBe(rows * rows);
  });

  it('on a software adapter, auto stays on the CPU unless useSoftwareAdapter is set; a named request still runs it', async () => {
    const b = new WebGPUBackend({ minWork: 0 });
    disposables.push(b);
    expect(await b.available()).toBe(true);
    console.log(`[kernels-webgpu] adapter is ${software ? 'a software adapter' : 'hardware'}: ${b.describe()}`);
    const registry = new KernelRegistry();
    registry.register(b);
    const x = { rows: 3, cols: 2, data: Float32Array.of(1, 0, 0, 1, 1, 1) };
    expect(b.profile()?.kind).toBe(software ? 'software' : 'gpu');
    expect((await registry.autoEligibility('webgpu')).software).toBe(software);
    expect((await registry.run('rowNorms', { x })).backend).toBe(software ? 'cpu' : 'webgpu');
    expect((await registry.run('rowNorms', { x }, 'webgpu')).backend).toBe('webgpu');
    if (software) expect(b.describe()).toContain('[software adapter: auto keeps work on the CPU]');
  });
});

describe('buffer size classes', () => {
  it('round up on a quarter-octave ladder from 256 bytes', () => {
    expect([1, 256, 257, 320, 321, 1000, 1024, 1025, 3000].map(sizeClass)).toEqual([256, 256, 320, 320, 384, 1024, 1024, 1280, 3072]);
  });
});

describe('the package entry', () => {
  it('exports dawnGpuProvider (the README tells users to pass it as provider): the same provider as the Node build', async () => {
    const entry = await import('../src/index.js');
    expect(entry.dawnGpuProvider).toBe(dawnGpuProvider);
    // a Dawn backend that is no GPU: the provider names what it tried instead of returning nothing
    await expect(entry.dawnGpuProvider({ backends: ['d3d12'] })()).rejects.toMatchObject({ code: 'BACKEND_UNAVAILABLE' });
  });
});
