import { kernelRegistry } from '@d2pruner/kernels';
import { registerWebGPUBackend } from '@d2pruner/kernels-webgpu/register';

/** Whether this page can run kernels on WebGPU, on which adapter, and whether it is a software one. */
export interface GpuStatus {
  available: boolean;
  /**
   * The adapter runs on the CPU (SwiftShader, llvmpipe, WARP, or flagged `isFallbackAdapter`):
   * slower than the page's CPU path, so the page does not use it by default.
   */
  software: boolean;
  /** Whether the kernel registry's `auto` would use it (the page's default follows it). */
  eligible: boolean;
  /** The adapter (`webgpu (SwiftShader …)`), or why there is none. */
  description: string;
}

let status: Promise<GpuStatus> | undefined;

/**
 * Registers `@d2pruner/kernels-webgpu` on the page's kernel registry (once) and requests an
 * adapter and a device from `navigator.gpu`. Never throws: no WebGPU means CPU only. Whether
 * the adapter is a software one, and whether `auto` would use it, is the kernel registry's own
 * policy (`autoEligibility`: adapter info and `isFallbackAdapter`), so the page and `auto` agree.
 */
export function setupWebGPU(): Promise<GpuStatus> {
  status ??= (async () => {
    const gpu = (navigator as Navigator & { gpu?: unknown }).gpu;
    if (!gpu) return { available: false, software: false, eligible: false, description: 'navigator.gpu is missing (this browser has no WebGPU, or it is disabled)' };
    try {
      const registry = kernelRegistry();
      const backend = registerWebGPUBackend(registry);
      const available = await backend.available();
      const auto = await registry.autoEligibility('webgpu');
      return { available, software: auto.software, eligible: auto.eligible, description: backend.describe() };
    } catch (e) {
      return { available: false, software: false, eligible: false, description: e instanceof Error ? e.message : String(e) };
    }
  })();
  return status;
}

/** The targets the page runs by default: WebGPU only where the registry's `auto` would use it, always the CPU and the server. */
export function defaultTargets(gpu: GpuStatus): ('webgpu' | 'cpu' | 'server')[] {
  return gpu.available && gpu.eligible ? ['webgpu', 'cpu', 'server'] : ['cpu', 'server'];
}

/** The header line: which adapter there is and, plainly, whether the page uses it by default. */
export function adapterLine(gpu: GpuStatus): string {
  if (!gpu.available) return `WebGPU unavailable — ${gpu.description}. The page runs on the CPU.`;
  if (gpu.software) {
    return `WebGPU adapter: ${gpu.description}. It is a software adapter (it runs on the CPU cores, slower than the CPU path), so the page runs on the CPU by default; tick “WebGPU (this page)” to compare.`;
  }
  if (!gpu.eligible) return `WebGPU adapter: ${gpu.description}. The kernels' auto policy does not use it, so the page runs on the CPU by default; tick “WebGPU (this page)” to compare.`;
  return `WebGPU adapter: ${gpu.description}. The page runs on WebGPU and on the CPU, and the server on its own backend.`;
}
