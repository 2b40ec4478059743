import type { KernelName } from '../names.js';

/**
 * How far a backend may be from the CPU reference. A float output element passes when
 * |actual − expected| ≤ abs + rel·|expected|. An `edgeBitset` bit may differ only where the
 * pair's score alpha·clamp(cos,0,1) + (1−alpha)·spat lies strictly within `edgeMargin` of theta (f32 versus
 * f64 rounding can flip such a pair, nothing else may; 0 = no flip allowed, not even at an exact
 * tie). Integer outputs must match exactly.
 */
export interface Tolerance {
  /** Absolute part of the bound. */
  abs: number;
  /** Part of the bound relative to |expected|. */
  rel: number;
  /** Width of the band around theta in which an edge bit may flip. */
  edgeMargin: number;
}

/** A backend's tolerances: a default plus per-kernel overrides. */
export interface ToleranceMap {
  /** Tolerance of every kernel without an override. */
  default: Tolerance;
  /** Per-kernel overrides, merged over `default`. */
  kernels?: KernelTolerances;
}

/** Per-kernel tolerance overrides, by kernel name. */
export type KernelTolerances = { [K in KernelName]?: Partial<Tolerance> };

/** Bit-exact agreement with the reference (what the CPU backend itself must achieve). */
export const EXACT_TOLERANCE: Tolerance = { abs: 0, rel: 0, edgeMargin: 0 };

/**
 * Typical tolerances of an f32 GPU backend: sums accumulated in f32 (the reference uses f64) over
 * up to a few thousand terms.
 */
export const F32_GPU_TOLERANCE: ToleranceMap = {
  default: { abs: 2e-5, rel: 2e-5, edgeMargin: 1e-5 },
};

/** The tolerance for `kernel`: the map's default, its kernel override, then a case override. */
export function resolveTolerance(map: ToleranceMap | Tolerance, kernel: KernelName, override?: Partial<Tolerance>): Tolerance {
  const base: Tolerance = 'default' in map ? { ...map.default, ...map.kernels?.[kernel] } : { ...map };
  return { ...base, ...override };
}
