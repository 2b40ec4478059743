/** gpu.js modes: what can be asked for (`gpu` = gpu.js' own pick) and what actually runs. */
export type GpuJsMode = 'gpu' | 'cpu' | 'webgl' | 'webgl2' | 'headlessgl' | 'webgpu' | 'webasm';

/** Modes that run on a GPU (everything else runs on the CPU: `cpu` in JS, `webasm` in WebAssembly). */
export const GPU_MODES: ReadonlySet<string> = new Set(['webgl', 'webgl2', 'headlessgl', 'webgpu']);

/** One line describing a resolved mode for logs. */
export function describeMode(mode: string): string {
  switch (mode) {
    case 'headlessgl':
      return 'headlessgl (WebGL through the `gl` package)';
    case 'webgl':
    case 'webgl2':
      return `${mode} (browser GPU)`;
    case 'webgpu':
      return 'webgpu (navigator.gpu compute)';
    case 'webasm':
      return 'webasm (WebAssembly on the CPU, not a GPU)';
    case 'cpu':
      return 'cpu (gpu.js JavaScript fallback, not a GPU)';
    default:
      return mode;
  }
}
