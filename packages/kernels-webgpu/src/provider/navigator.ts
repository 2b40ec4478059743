import { BackendUnavailableError } from '@d2pruner/core';
import type { GpuProvider } from './types.js';

/** Options of {@link navigatorGpuProvider}. */
export interface NavigatorProviderOptions {
  /** Adapter power preference (default `high-performance`). */
  powerPreference?: GPUPowerPreference;
  /** Also try a compatibility-mode adapter when no core one is found (default true). */
  allowCompatibility?: boolean;
}

/**
 * A provider over a `GPU` object: `navigator.gpu` in browsers and workers (the default), or any
 * object with the same API. Tries a core adapter, then a compatibility-mode one.
 */
export function navigatorGpuProvider(gpu?: GPU, options: NavigatorProviderOptions = {}): GpuProvider {
  return async () => {
    const g = gpu ?? (globalThis as { navigator?: { gpu?: GPU } }).navigator?.gpu;
    if (!g) throw new BackendUnavailableError('webgpu', 'navigator.gpu is missing: this runtime has no WebGPU');
    const powerPreference = options.powerPreference ?? 'high-performance';
    let adapter = await g.requestAdapter({ powerPreference });
    let source = 'navigator.gpu';
    if (!adapter && options.allowCompatibility !== false) {
      adapter = await g.requestAdapter({ powerPreference, featureLevel: 'compatibility' });
      source = 'navigator.gpu (compatibility)';
    }
    if (!adapter) throw new BackendUnavailableError('webgpu', 'navigator.gpu.requestAdapter() found no adapter');
    return { adapter, source, release: () => undefined };
  };
}
