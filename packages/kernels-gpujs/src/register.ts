import { kernelRegistry, type KernelRegistry } from '@d2pruner/kernels';
import { GpuJsBackend, type GpuJsBackendOptions } from './backend.js';

/**
 * Registers a {@link GpuJsBackend} on `registry` (default: the process-wide registry) and returns
 * it. Importing this module registers nothing by itself.
 */
export function registerGpuJsBackend(registry: KernelRegistry = kernelRegistry(), options: GpuJsBackendOptions = {}): GpuJsBackend {
  const backend = new GpuJsBackend(options);
  registry.register(backend);
  return backend;
}

export { GpuJsBackend, type GpuJsBackendOptions } from './backend.js';
