import type { ToleranceMap } from '@d2pruner/kernels';

/**
 * How close the gpu.js kernels must be to the CPU reference: f32 storage and, on GPUs, f32
 * arithmetic with one sequential accumulator per output (errors grow with the feature width).
 */
export const GPUJS_TOLERANCE: ToleranceMap = {
  default: { abs: 2e-5, rel: 2e-5, edgeMargin: 1e-5 },
  kernels: {
    dppUpdate: { abs: 1e-4, rel: 1e-4 },
  },
};
