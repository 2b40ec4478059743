import { kernelRegistry } from '@d2pruner/kernels';
import { registerWebGPUBackend } from '@d2pruner/kernels-webgpu/register';

/** Whether this page can run kernels on WebGPU, and on which adapter. */
export interface GpuStatus {
  available: boolean;
  /** The adapter (`webgpu (SwiftShader …)`), or why there is none. */
  description: string;
}

let status: Promise<GpuStatus> | undefined;

/**
 * Registers `@d2pruner/kernels-webgpu` on the page's kernel registry (once) and requests an
 * adapter and a device from `navigator.gpu`. Never throws: no WebGPU means CPU only.
 */
export function setupWebGPU(): Promise<GpuStatus> {
  status ??= (async () => {
    const gpu = (navigator as Navigator & { gpu?: unknown }).gpu;
    if (!gpu) return { available: false, description: 'navigator.gpu is missing (this browser has no WebGPU, or it is disabled)' };
    try {
      const backend = registerWebGPUBackend(kernelRegistry());
      const available = await backend.available();
      return { available, description: backend.describe() };
    } catch (e) {
      return { available: false, description: e instanceof Error ? e.message : String(e) };
    }
  })();
  return status;
}
