// The published .d.ts files use the WebGPU globals (GPUDevice, …): keep this directive in them
// (preserve="true", TypeScript ≥ 5.5) so that consumers get @webgpu/types without configuring it.
/// <reference types="@webgpu/types" preserve="true" />
import { kernelRegistry, type KernelRegistry } from '@d2pruner/kernels';
import { WebGPUBackend, type WebGPUBackendOptions } from './backend.js';

/**
 * Registers a {@link WebGPUBackend} on `registry` (default: the process-wide registry) and
 * returns it (keep it to `dispose()` at shutdown). Importing this module registers nothing by
 * itself.
 */
export function registerWebGPUBackend(registry: KernelRegistry = kernelRegistry(), options: WebGPUBackendOptions = {}): WebGPUBackend {
  const backend = new WebGPUBackend(options);
  registry.register(backend);
  return backend;
}

export { WebGPUBackend, type WebGPUBackendOptions } from './backend.js';
