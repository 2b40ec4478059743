import { describe, expect, it } from 'vitest';
import { cpuBackend, runCpuKernel } from '../cpu/backend.js';
import { KERNEL_NAMES, type KernelInput, type KernelName, type KernelOutput } from '../names.js';
import { conformanceCases, conformanceKernels } from './cases.js';
import { checkKernel, runConformance, type KernelRunner } from './check.js';
import { EXACT_TOLERANCE, F32_GPU_TOLERANCE, resolveTolerance } from './tolerance.js';

/** A backend that runs the reference, then lets `tamper` change the output. */
function tampered(tamper: <K extends KernelName>(kernel: K, out: KernelOutput<K>, input: KernelInput<K>) => unknown): KernelRunner {
  return {
    name: 'tampered',
    run: async (kernel, input) => tamper(kernel, runCpuKernel(kernel, input), input) as never,
  };
}

describe('conformance cases', () => {
  it('cover every kernel name', () => {
    expect(conformanceKernels().sort()).toEqual([...KERNEL_NAMES].sort());
    for (const k of KERNEL_NAMES) expect(conformanceCases({ kernels: [k] }).length).toBeGreaterThanOrEqual(3);
  });

  it('are deterministic per seed and differ across seeds', () => {
    const a = conformanceCases();
    const b = conformanceCases();
    expect(a.map((c) => c.id)).toEqual(b.map((c) => c.id));
    expect(a[0].input).toEqual(b[0].input);
    expect(conformanceCases({ seed: 7 })[0].input).not.toEqual(a[0].input);
  });

  it('give each kernel its own stream (restricting kernels leaves inputs unchanged)', () => {
    const all = conformanceCases().filter((c) => c.kernel === 'headMean');
    expect(conformanceCases({ kernels: ['headMean'] })).toEqual(all);
  });
});

describe('checkKernel', () => {
  it('passes the CPU backend on every case, bit for bit', async () => {
    const reports = await runConformance(cpuBackend, EXACT_TOLERANCE);
    expect(reports.length).toBe(conformanceCases().length);
    for (const r of reports) expect(r.ok, r.message).toBe(true);
  });

  it('fails a backend one element off by more than the tolerance, and names it', async () => {
    const bad = tampered((kernel, out) => {
      if (out instanceof Float32Array && out.length > 3) out[3] += 1e-3;
      return out;
    });
    const c = conformanceCases({ kernels: ['cosineMatrix'] })[0];
    const r = await checkKernel(bad, c.kernel, c.input as KernelInput<'cosineMatrix'>, resolveTolerance(F32_GPU_TOLERANCE, 'cosineMatrix'));
    expect(r.ok).toBe(false);
    expect(r.mismatches).toBe(1);
    expect(r.message).toContain('[3]');
    expect(r.maxAbsError).toBeCloseTo(1e-3, 5);
  });

  it('accepts an f32-sized error within tolerance', async () => {
    const noisy = tampered((kernel, out) => {
      if (out instanceof Float32Array) for (let i = 0; i < out.length; i++) out[i] *= 1 + 1e-6;
      return out;
    });
    const reports = await runConformance(noisy, F32_GPU_TOLERANCE, { kernels: ['similarityRows', 'rowNorms'] });
    for (const r of reports) expect(r.ok, r.message).toBe(true);
  });

  it('rejects a wrong output type, a wrong length and a thrown error', async () => {
    const input = conformanceCases({ kernels: ['rowNorms'] })[0].input as KernelInput<'rowNorms'>;
    const asF64 = tampered((_k, out) => Float64Array.from(out as Float32Array));
    const short = tampered((_k, out) => (out as Float32Array).subarray(1));
    const thrower: KernelRunner = { name: 'thrower', run: async () => { throw new RangeError('boom'); } };
    const r1 = await checkKernel(asF64, 'rowNorms', input, EXACT_TOLERANCE);
    const r2 = await checkKernel(short, 'rowNorms', input, EXACT_TOLERANCE);
    const r3 = await checkKernel(thrower, 'rowNorms', input, EXACT_TOLERANCE);
    expect([r1.ok, r2.ok, r3.ok]).toEqual([false, false, false]);
    expect(r1.message).toContain('expected a Float32Array, got Float64Array');
    expect(r2.message).toContain(`expected ${input.x.rows} elements`);
    expect(r3.message).toContain('RangeError: boom');
  });

  it('catches `>=` instead of `>` on the exact-tie edge case even with a margin', async () => {
    const c = conformanceCases({ kernels: ['edgeBitset'] }).find((x) => x.id === 'edgeBitset/k40-exact-ties');
    expect(c).toBeDefined();
    const input = c!.input as KernelInput<'edgeBitset'>;
    const geq = tampered((_k, _out, inp) => {
      const e = inp as KernelInput<'edgeBitset'>;
      const words = Math.ceil(e.k / 32);
      const out = new Uint32Array(e.k * words);
      for (let i = 0; i < e.k; i++) {
        for (let j = 0; j < e.k; j++) {
          const spat = e.frame[i] === e.frame[j] && Math.max(Math.abs(e.row[i] - e.row[j]), Math.abs(e.col[i] - e.col[j])) <= e.radius ? 1 : 0;
          if (i !== j && e.alpha * Math.min(Math.max(e.cos[i * e.k + j], 0), 1) + (1 - e.alpha) * spat >= e.theta) out[i * words + (j >>> 5)] |= 1 << (j & 31);
        }
      }
      return out;
    });
    const tol = resolveTolerance(F32_GPU_TOLERANCE, 'edgeBitset', c!.tolerance);
    expect(tol.edgeMargin).toBe(0);
    const r = await checkKernel(geq, 'edgeBitset', input, tol);
    expect(r.ok).toBe(false);
    expect(r.message).toMatch(/expected 0, got 1 \(score − theta = 0\)/);
  });

  it('tolerates an edge flip only within edgeMargin of theta', async () => {
    const input = conformanceCases({ kernels: ['edgeBitset'] })[0].input as KernelInput<'edgeBitset'>;
    const { k, cos, alpha, theta } = input;
    const words = Math.ceil(k / 32);
    // pick the cross-frame pair (spat = 0) whose score is nearest theta, and one far from it
    let near = -1;
    let far = -1;
    for (let p = 0; p < k * k; p++) {
      const i = Math.floor(p / k);
      const j = p % k;
      if (i === j || input.frame[i] === input.frame[j]) continue;
      const m = Math.abs(alpha * Math.min(Math.max(cos[p], 0), 1) - theta);
      if (near < 0 || m < Math.abs(alpha * Math.min(Math.max(cos[near], 0), 1) - theta)) near = p;
      if (m > 0.2) far = p;
    }
    const flip = (p: number) =>
      tampered((_k, out) => {
        const o = out as Uint32Array;
        const i = Math.floor(p / k);
        const j = p % k;
        o[i * words + (j >>> 5)] ^= 1 << (j & 31);
        return o;
      });
    const nearMargin = Math.abs(alpha * Math.min(Math.max(cos[near], 0), 1) - theta);
    const tol = { ...EXACT_TOLERANCE, edgeMargin: nearMargin * 1.01 + 1e-12 };
    const rNear = await checkKernel(flip(near), 'edgeBitset', input, tol);
    const rFar = await checkKernel(flip(far), 'edgeBitset', input, tol);
    expect(rNear.ok, rNear.message).toBe(true);
    expect(rNear.tolerated).toBe(1);
    expect(rFar.ok).toBe(false);
    expect(rFar.mismatches).toBe(1);
  });

  it('compares multi-part float64 outputs element by element', async () => {
    const c = conformanceCases({ kernels: ['dppUpdate'] })[1];
    const bad = tampered((_k, out) => {
      const o = out as Float64Array;
      o[o.length - 1] += 0.5;
      return o;
    });
    const r = await checkKernel(bad, 'dppUpdate', c.input as KernelInput<'dppUpdate'>, resolveTolerance(F32_GPU_TOLERANCE, 'dppUpdate'));
    expect(r.ok).toBe(false);
    expect(r.mismatches).toBe(1);
  });
});
