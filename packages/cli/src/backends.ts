import { BackendUnavailableError, InvalidArgumentError } from '@d2pruner/core';
import { kernelRegistry } from '@d2pruner/kernels';

/** Backend names the CLI accepts. */
export const BACKEND_CHOICES = ['auto', 'cpu', 'webgpu', 'gpujs'] as const;

interface Registered {
  describe?(): string;
}

/**
 * Loaders of the optional GPU backends: imported only when asked for (the packages are optional
 * peers), so the CLI starts fast and installs without them. A gpu.js backend named on the
 * command line runs in whatever mode gpu.js resolves to here (reported), not only GPU modes.
 */
const OPTIONAL: Record<string, () => Promise<Registered>> = {
  webgpu: async () => {
    const spec = '@d2pruner/kernels-webgpu/register';
    const mod = (await import(spec)) as { registerWebGPUBackend: (r: unknown) => Registered };
    return mod.registerWebGPUBackend(kernelRegistry());
  },
  gpujs: async () => {
    const spec = '@d2pruner/kernels-gpujs/register';
    const mod = (await import(spec)) as { registerGpuJsBackend: (r: unknown, o: { requireGpu: boolean }) => Registered };
    return mod.registerGpuJsBackend(kernelRegistry(), { requireGpu: false });
  },
};

const loaded = new Map<string, Promise<Registered>>();

/**
 * Makes sure a requested backend is registered: `auto` and `cpu` need nothing; `webgpu` and
 * `gpujs` load their package on first use. A package that is not installed is a typed error.
 */
export async function ensureBackend(name: string): Promise<void> {
  await loadBackend(name);
}

/**
 * Like {@link ensureBackend}, returning what the backend says it runs on (adapter, gpu.js mode)
 * once it has been used, for a log line; undefined for `auto` and `cpu`.
 */
export async function loadBackend(name: string): Promise<Registered | undefined> {
  if (name === 'auto' || name === 'cpu') return undefined;
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
  return p;
}

/** One line per optional backend loaded in this process: what it ran on (adapter, gpu.js mode). */
export async function describeLoadedBackends(): Promise<string[]> {
  const out: string[] = [];
  for (const [name, p] of loaded) {
    const b = await p.catch(() => undefined);
    if (b?.describe) out.push(`backend ${name}: ${b.describe()}`);
  }
  return out;
}

/** Releases GPU devices so the process can exit. */
export async function disposeBackends(): Promise<void> {
  if (loaded.size) await kernelRegistry().dispose();
}
