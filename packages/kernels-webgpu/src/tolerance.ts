import type { ToleranceMap } from '@d2pruner/kernels';

/**
 * How close the WebGPU kernels must be to the CPU reference (used by the conformance tests,
 * and a statement to users): sums are accumulated in f32 in a different order (tiles of 16,
 * 64-lane trees) where the reference accumulates in f64; inputs are normalised, so errors are
 * absolute on values of magnitude ≤ 1. Edge bits may flip only within 1e-5 of theta.
 */
export const WEBGPU_TOLERANCE: ToleranceMap = {
  default: { abs: 1e-5, rel: 1e-5, edgeMargin: 1e-5 },
  kernels: {
    rowNorms: { abs: 1e-6, rel: 2e-6 },
    headMean: { abs: 1e-6, rel: 2e-6 },
    dppUpdate: { abs: 5e-5, rel: 5e-5 },
  },
};
