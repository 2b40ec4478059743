import { BackendUnavailableError } from '@d2pruner/core';
import type { GpuAdapterHandle, GpuProvider } from './types.js';

/** A Dawn backend to try: `default` is Dawn's own choice (Vulkan on Linux: a real GPU). */
export type DawnBackendName = 'default' | 'vulkan' | 'opengles' | 'opengl' | 'd3d12' | 'metal' | 'null';

/** Options of {@link dawnGpuProvider}. */
export interface DawnProviderOptions {
  /**
   * Backends tried in order until one yields an adapter. Default: `default` (a real GPU), then
   * `opengles` (Mesa / llvmpipe, compatibility mode), or the comma-separated list in the
   * environment variable `D2PRUNER_DAWN_BACKENDS`.
   */
  backends?: readonly DawnBackendName[];
  /** Extra Dawn options passed to `create()`, e.g. `adapter=NVIDIA`. */
  dawnOptions?: readonly string[];
}

const COMPAT: ReadonlySet<DawnBackendName> = new Set(['opengles', 'opengl']);

function defaultBackends(): DawnBackendName[] {
  const env = typeof process !== 'undefined' ? process.env.D2PRUNER_DAWN_BACKENDS : undefined;
  if (env) return env.split(',').map((s) => s.trim()).filter(Boolean) as DawnBackendName[];
  return ['default', 'opengles'];
}

/**
 * Node only: WebGPU through Dawn (the optional dependency `webgpu`), imported dynamically so that
 * nothing loads it until an adapter is asked for. GL backends run in compatibility mode and,
 * with no display, on EGL's surfaceless platform (`EGL_PLATFORM` is set only if unset).
 */
export function dawnGpuProvider(options: DawnProviderOptions = {}): GpuProvider {
  return async (): Promise<GpuAdapterHandle> => {
    let dawn: typeof import('webgpu');
    try {
      dawn = await import('webgpu');
    } catch (e) {
      throw new BackendUnavailableError('webgpu', `the optional dependency 'webgpu' (Dawn for Node) cannot be loaded: ${e instanceof Error ? e.message : String(e)}`);
    }
    const tried: string[] = [];
    for (const backend of options.backends ?? defaultBackends()) {
      const compat = COMPAT.has(backend);
      if (compat && !process.env.EGL_PLATFORM && !process.env.DISPLAY && !process.env.WAYLAND_DISPLAY) {
        process.env.EGL_PLATFORM = 'surfaceless';
      }
      const flags = [...(backend === 'default' ? [] : [`backend=${backend}`]), ...(options.dawnOptions ?? [])];
      let gpu: GPU | undefined = dawn.create(flags);
      const adapter = await gpu.requestAdapter(compat ? { featureLevel: 'compatibility' } : { powerPreference: 'high-performance' });
      if (adapter) {
        return {
          adapter,
          source: `Dawn ${backend}${compat ? ' (compatibility)' : ''}`,
          release: () => {
            gpu = undefined;
          },
        };
      }
      gpu = undefined;
      tried.push(backend);
    }
    throw new BackendUnavailableError('webgpu', `Dawn found no adapter (backends tried: ${tried.join(', ') || 'none'})`);
  };
}
