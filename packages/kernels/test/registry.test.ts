import { describe, expect, it } from 'vitest';
import { DeviceLostError, matrixFromRows } from '@d2pruner/core';
import { cpuBackend, KernelRegistry, runCpuKernel, type KernelBackend } from '../src/index.js';

function fakeBackend(name: string, priority: number, opts: { available?: boolean; fail?: () => Error; minWork?: number } = {}): KernelBackend & { calls: number } {
  const b = {
    name,
    priority,
    minWork: opts.minWork ?? 0,
    calls: 0,
    available: async () => opts.available ?? true,
    supports: () => true,
    async run(kernel: never, input: never) {
      b.calls++;
      if (opts.fail) throw opts.fail();
      return cpuBackend.run(kernel, input);
    },
  };
  return b as unknown as KernelBackend & { calls: number };
}

const x = matrixFromRows([[3, 4], [0, 0], [1, 0]]);

describe('CPU reference kernels', () => {
  it('row norms, cosine matrix with zero rows at 0, head mean', () => {
    expect(Array.from(runCpuKernel('rowNorms', { x }))).toEqual([5, 0, 1]);
    const cos = runCpuKernel('cosineMatrix', { x });
    expect(Array.from(cos).map((v) => Math.round(v * 1000) / 1000)).toEqual([1, 0, 0.6, 0, 0, 0, 0.6, 0, 1]);
    expect(Array.from(runCpuKernel('headMean', { x: matrixFromRows([[1, 2], [3, 6]]) }))).toEqual([2, 4]);
    expect(Array.from(runCpuKernel('similarityRows', { x, queries: Int32Array.from([0]), candidates: Int32Array.from([1, 2]) })).map((v) => Math.round(v * 1000) / 1000)).toEqual([0, 0.6]);
  });
});

describe('backend registry', () => {
  it('auto prefers the highest priority, keeps small work on the CPU', async () => {
    const r = new KernelRegistry();
    const gpu = fakeBackend('gpu', 10, { minWork: 1000 });
    r.register(gpu);
    expect((await r.run('rowNorms', { x })).backend).toBe('cpu');
    const big = { x: { rows: 100, cols: 20, data: new Float32Array(2000) } };
    expect((await r.run('rowNorms', big)).backend).toBe('gpu');
    expect((await r.run('rowNorms', { x }, 'gpu')).backend).toBe('gpu');
  });

  it('skips unavailable backends; a named unavailable backend is a typed error', async () => {
    const r = new KernelRegistry();
    r.register(fakeBackend('gpu', 10, { available: false }));
    expect((await r.run('rowNorms', { x })).backend).toBe('cpu');
    await expect(r.run('rowNorms', { x }, 'gpu')).rejects.toMatchObject({ code: 'BACKEND_UNAVAILABLE', field: 'gpu' });
    await expect(r.run('rowNorms', { x }, 'nope')).rejects.toMatchObject({ code: 'UNKNOWN_NAME', field: 'backend' });
  });

  it('a lost device falls back to the CPU for this call and the next ones', async () => {
    const r = new KernelRegistry();
    const gpu = fakeBackend('gpu', 10, { fail: () => new DeviceLostError('gpu', 'lost') });
    r.register(gpu);
    const first = await r.run('rowNorms', { x }, 'gpu');
    expect(first.backend).toBe('cpu');
    expect(Array.from(first.output)).toEqual([5, 0, 1]);
    expect((await r.run('rowNorms', { x })).backend).toBe('cpu');
    expect((await r.run('rowNorms', { x }, 'gpu')).backend).toBe('cpu');
    expect(gpu.calls).toBe(1);
  });

  it('other failures: auto falls back, a forced backend reports the error', async () => {
    const r = new KernelRegistry();
    r.register(fakeBackend('gpu', 10, { fail: () => new Error('shader failed') }));
    expect((await r.run('rowNorms', { x })).backend).toBe('cpu');
    await expect(r.run('rowNorms', { x }, 'gpu')).rejects.toThrow('shader failed');
  });
});

describe('one auto policy', () => {
  const profiled = (name: string, kind: 'gpu' | 'software') =>
    Object.assign(fakeBackend(name, 10), { profile: () => ({ kind, macsPerMs: 1.5e9, callMs: 0.4, readBytesPerMs: 2e6 }) }) as KernelBackend;
  const llava = { kind: 'd2pruner', d: 4096, candidates: 532, slots: 20, alpha: 1, theta: 0.8, radius: 1 } as const;

  it('registering a second backend under a name is an error unless replace is asked for', () => {
    const r = new KernelRegistry();
    r.register(fakeBackend('gpu', 10));
    expect(() => r.register(fakeBackend('gpu', 20))).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT', field: 'backend' }));
    expect(() => r.register(fakeBackend('cpu', 20), { replace: true })).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
    r.register(fakeBackend('gpu', 20), { replace: true });
    expect(r.get('gpu')?.priority).toBe(20);
  });

  it('never routes auto work to a software adapter, and says so', async () => {
    const r = new KernelRegistry();
    r.register(profiled('soft', 'software'));
    const e = await r.autoEligibility('soft');
    expect(e).toMatchObject({ eligible: false, software: true });
    expect(e.reason).toContain('software');
    expect(await r.hasAutoAccelerator()).toBe(false);
    expect(r.hasAutoAcceleratorNow()).toBe(false);
    const big = { x: { rows: 1000, cols: 1000, data: new Float32Array(1e6) } };
    expect((await r.run('rowNorms', big)).backend).toBe('cpu');
    expect((await r.decideD2Pruner('auto', llava)).backend).toBe('cpu');
    // naming it still runs it
    expect((await r.decideD2Pruner('soft', llava)).backend).toBe('soft');
  });

  it('picks the dense GPU graph where semantic edges make the lazy path costly, the CPU where only neighbours count', async () => {
    const r = new KernelRegistry();
    r.register(profiled('gpu', 'gpu'));
    expect(await r.autoEligibility('gpu')).toMatchObject({ eligible: true, software: false });
    expect(r.hasAutoAcceleratorNow()).toBe(true);
    expect(await r.decideD2Pruner('auto', llava)).toMatchObject({ backend: 'gpu', form: 'dense' });
    expect(await r.decideD2Pruner('auto', { ...llava, d: 1024, candidates: 3095, slots: 100 })).toMatchObject({ backend: 'gpu', form: 'dense' });
    expect(await r.decideD2Pruner('auto', { ...llava, alpha: 0.5 })).toMatchObject({ backend: 'cpu', form: 'lazy' });
    expect(await r.decideD2Pruner('auto', { ...llava, candidates: 12, slots: 2 })).toMatchObject({ backend: 'cpu', form: 'lazy' });
    expect(await r.decideD2Pruner('cpu', llava)).toMatchObject({ backend: 'cpu', form: 'lazy' });
  });
});
