/**
 * @d2pruner/kernels-gpujs — the d2pruner kernels through gpu.js, an optional backend that
 * reports which gpu.js mode actually ran. No side effects on import; register with
 * `registerGpuJsBackend()` from `@d2pruner/kernels-gpujs/register`.
 * @packageDocumentation
 */
export * from './backend.js';
export * from './mode.js';
export * from './tolerance.js';
export { GPUJS_KERNELS, type GpuJsKernel, type GpuJsRunner } from './kernels.js';
