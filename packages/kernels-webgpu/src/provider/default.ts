import { navigatorGpuProvider } from './navigator.js';
import type { GpuProvider } from './types.js';

/**
 * The default provider: `navigator.gpu` where it exists (browsers, workers, Deno), else Dawn in
 * Node. The Dawn module is reached through the package's `#dawn` import, which bundlers resolve
 * under the `browser` condition to a stub, so a browser build contains none of it.
 */
export function defaultGpuProvider(): GpuProvider {
  return async () => {
    const gpu = (globalThis as { navigator?: { gpu?: GPU } }).navigator?.gpu;
    if (gpu) return navigatorGpuProvider(gpu)();
    const { dawnGpuProvider } = await import('#dawn');
    return dawnGpuProvider()();
  };
}
