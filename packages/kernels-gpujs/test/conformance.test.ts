import { afterAll, describe, expect, it } from 'vitest';
import { checkKernel, conformanceCases, KERNEL_NAMES, resolveTolerance, type KernelInput } from '@d2pruner/kernels';
import { GPU_MODES, GPUJS_TOLERANCE, GpuJsBackend, type GpuJsMode } from '../src/index.js';
import { dawnNavigatorGpu } from './helpers/dawn.js';

const cases = conformanceCases();
const backends: GpuJsBackend[] = [];
afterAll(async () => {
  for (const b of backends) await b.dispose();
});

const dawn = await dawnNavigatorGpu();

/** A backend in `mode`, or the logged reason it cannot run here. */
async function tryMode(mode: GpuJsMode): Promise<GpuJsBackend | null> {
  const b = new GpuJsBackend({ mode, requireGpu: false, navigatorGpu: mode === 'webgpu' && dawn.gpu ? dawn.gpu : undefined });
  backends.push(b);
  if (await b.available()) {
    console.log(`[kernels-gpujs] mode '${mode}' runs: ${b.describe()}${mode === 'webgpu' ? ` via ${dawn.label}` : ''}`);
    return b;
  }
  console.warn(`[kernels-gpujs] SKIPPING mode '${mode}': ${b.describe()}`);
  return null;
}

const auto = new GpuJsBackend();
backends.push(auto);
const autoOk = await auto.available();
console.log(`[kernels-gpujs] default mode 'gpu' with requireGpu: ${autoOk ? 'available' : 'refused'} — ${auto.describe()}`);

const modes: Array<[GpuJsMode, GpuJsBackend | null]> = [];
for (const mode of ['cpu', 'webasm', 'webgpu', 'headlessgl'] as GpuJsMode[]) modes.push([mode, await tryMode(mode)]);

describe('mode detection', () => {
  it('the default backend either resolved a GPU mode or says which non-GPU mode gpu.js fell back to', () => {
    if (autoOk) expect(GPU_MODES.has(auto.mode!)).toBe(true);
    else expect(auto.describe()).toMatch(/resolved mode 'gpu' to (webasm|cpu) .*not a GPU.*refused because requireGpu/);
  });

  it('implements every kernel name except the float64 baseline kernels it refuses', () => {
    expect(KERNEL_NAMES.filter((k) => !auto.supports(k))).toEqual(['maxSimilarity', 'maxMinUpdate', 'dppUpdate']);
  });
});

for (const [mode, backend] of modes) {
  describe.skipIf(backend === null)(`conformance in gpu.js mode '${mode}'`, () => {
    it.each(cases.filter((c) => auto.supports(c.kernel)).map((c) => [c.id, c] as const))('%s', async (_id, c) => {
      const r = await checkKernel(backend!, c.kernel, c.input as KernelInput<typeof c.kernel>, resolveTolerance(GPUJS_TOLERANCE, c.kernel, c.tolerance), c.id);
      expect(r.ok, r.message).toBe(true);
    });

    it(`ran every kernel in mode '${mode}' (no silent fallback)`, () => {
      expect([...backend!.ranModes]).toEqual([mode]);
      expect(backend!.describe()).toContain(`ran: ${mode}`);
    });
  });
}
