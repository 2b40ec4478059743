// The published .d.ts files use the WebGPU globals (GPUDevice, …): keep this directive in them
// (preserve="true", TypeScript ≥ 5.5) so that consumers get @webgpu/types without configuring it.
/// <reference types="@webgpu/types" preserve="true" />
/**
 * @d2pruner/kernels-webgpu — WGSL kernels for Node (Dawn, the optional `webgpu` package) and
 * browsers (`navigator.gpu`) behind the d2pruner `KernelBackend` interface. Importing this entry
 * has no side effects; register with `registerWebGPUBackend()` from
 * `@d2pruner/kernels-webgpu/register`.
 * @packageDocumentation
 */
export * from './backend.js';
export * from './provider/types.js';
export * from './provider/default.js';
export * from './provider/navigator.js';
// Dawn in Node; the browser build resolves '#dawn' to a stand-in whose provider rejects
export { dawnGpuProvider, type DawnBackendName, type DawnProviderOptions } from '#dawn';
export { GpuContext, adapterLabel, isSoftwareAdapter, type PipelineSpec } from './gpu/context.js';
export { BufferPool, sizeClass } from './gpu/pool.js';
export { ResidentCache } from './gpu/resident.js';
export { GPU_KERNELS, type GpuKernel } from './kernels/index.js';
export { GpuRun, grid } from './gpu/run.js';
export type { Slice } from './gpu/usage.js';
export * from './tolerance.js';
