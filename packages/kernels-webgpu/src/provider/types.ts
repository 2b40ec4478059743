/**
 * An adapter obtained by a {@link GpuProvider}, with what produced it and how to let it go.
 */
export interface GpuAdapterHandle {
  adapter: GPUAdapter;
  /** Where the adapter came from, e.g. `navigator.gpu` or `Dawn opengles (compatibility)`. */
  source: string;
  /** Drops the GPU instance (Dawn keeps a Node process alive while it is referenced). */
  release(): void;
}

/**
 * Finds a WebGPU adapter. Resolves the adapter, or rejects with a `BackendUnavailableError`
 * whose message says why there is none. Injectable, so that an application can pick the
 * adapter (a given GPU, a test double) and so that browser bundles never see Node code.
 */
export type GpuProvider = () => Promise<GpuAdapterHandle>;

/** Feature level of an adapter request (`compatibility` = WebGPU compatibility mode, e.g. GL). */
export type FeatureLevel = 'core' | 'compatibility';
