import { BackendUnavailableError, InvalidArgumentError } from '@d2pruner/core';
import { kernelRegistry } from '@d2pruner/kernels';

/** Backend names the CLI accepts. */
export const BACKEND_CHOICES = ['auto', 'cpu', 'webgpu', 'gpujs'] as const;

/** Loaders of the optional GPU backends: imported only when asked for, so the CLI starts fast. */
const OPTIONAL: Record<string, () => Promise<void>> = {
  webgpu: async () => {
    const spec = '@d2pruner/kernels-webgpu/register';
    const mod = (await import(spec)) as { registerWebGPUBackend: (r: unknown) => void | Promise<void> };
    await mod.registerWebGPUBackend(kernelRegistry());
  },
  gpujs: async () => {
    const spec = '@d2pruner/kernels-gpujs/register';
    const mod = (await import(spec)) as { registerGpuJsBackend: (r: unknown) => void | Promise<void> };
    await mod.registerGpuJsBackend(kernelRegistry());
  },
};

const loaded = new Map<string, Promise<void>>();

/**
 * Makes sure a requested backend is registered: `auto` and `cpu` need nothing; `webgpu` and
 * `gpujs` load their package on first use. A package that is not installed is a typed error.
 */
export async function ensureBackend(name: string): Promise<void> {
  if (name === 'auto' || name === 'cpu') return;
  const load = OPTIONAL[name];
  if (!load) throw new InvalidArgumentError('backend', `--backend must be one of ${BACKEND_CHOICES.join(', ')}, got '${name}'`);
  let p = loaded.get(name);
  if (!p) {
    p = load().catch((e: unknown) => {
      loaded.delete(name);
      throw new BackendUnavailableError(name, `backend '${name}' could not be loaded: ${e instanceof Error ? e.message : String(e)}`);
    });
    loaded.set(name, p);
  }
  await p;
}

/** Releases GPU devices so the process can exit. */
export async function disposeBackends(): Promise<void> {
  if (loaded.size) await kernelRegistry().dispose();
}
