import { BackendUnavailableError, InvalidArgumentError } from '@d2pruner/core';
import { kernelRegistry, type KernelRegistry } from '@d2pruner/kernels';
import type { BackendMode } from './config.js';

/** The parts of `@d2pruner/kernels-webgpu`'s backend the server uses. */
export interface WebGpuHandle {
  available(): Promise<boolean>;
  describe(): string;
  dispose(): Promise<void>;
  readonly gpuContext: { readonly software: boolean; readonly label: string } | null;
}

/** Registers the WebGPU backend on a registry (what `@d2pruner/kernels-webgpu/register` exports). */
export type WebGpuLoader = (registry: KernelRegistry) => Promise<WebGpuHandle>;

/** Loads `@d2pruner/kernels-webgpu/register` on demand, so a server without it still starts. */
export const loadWebGpu: WebGpuLoader = async (registry) => {
  const spec = '@d2pruner/kernels-webgpu/register';
  const mod = (await import(spec)) as { registerWebGPUBackend: (r: KernelRegistry) => WebGpuHandle };
  return mod.registerWebGPUBackend(registry);
};

/** Backend names a request may give. */
export const REQUEST_BACKENDS = ['auto', 'cpu', 'webgpu'] as const;

/** What `/healthz` reports about the kernel backends. */
export interface BackendHealth {
  /** Backend requests use when they name none: `webgpu` or `cpu`. */
  backend: 'webgpu' | 'cpu';
  /** The policy (`--backend`). */
  mode: BackendMode;
  /** The adapter, or why there is none. */
  adapter: string;
  /** WebGPU: whether an adapter and a device exist, whether it is a software rasteriser. */
  webgpu: { available: boolean; software: boolean; description: string };
}

/**
 * The server's kernel backends: probes WebGPU at start (unless `--backend cpu`), picks the
 * default backend (WebGPU on a hardware adapter under `auto`, on any adapter under `webgpu`,
 * else the CPU), checks the backend a request names, and releases the device at shutdown.
 */
export class BackendManager {
  private handle: WebGpuHandle | null = null;
  private available = false;
  private reason = 'not probed';

  /** @param mode policy @param loader WebGPU loader (tests inject a failing one) @param registry kernel registry */
  constructor(
    readonly mode: BackendMode,
    private readonly loader: WebGpuLoader = loadWebGpu,
    private readonly registry: KernelRegistry = kernelRegistry(),
  ) {}

  /** Probes WebGPU (never throws: a missing package or adapter means CPU). */
  async init(): Promise<void> {
    if (this.mode === 'cpu') {
      this.reason = 'disabled (--backend cpu)';
      return;
    }
    try {
      this.handle = await this.loader(this.registry);
      this.available = await this.handle.available();
      this.reason = this.handle.describe();
    } catch (e) {
      this.available = false;
      this.reason = `unavailable: ${e instanceof Error ? e.message : String(e)}`;
    }
  }

  private get software(): boolean {
    return this.handle?.gpuContext?.software ?? false;
  }

  /** The backend requests use when they name none. */
  get defaultBackend(): 'webgpu' | 'cpu' {
    if (!this.available) return 'cpu';
    if (this.mode === 'webgpu') return 'webgpu';
    return this.software ? 'cpu' : 'webgpu';
  }

  /** What `/healthz` and `/metrics` say. */
  health(): BackendHealth {
    const label = this.handle?.gpuContext?.label;
    const adapter = this.defaultBackend === 'webgpu' ? `webgpu: ${label ?? this.reason}` : this.available ? `cpu (WebGPU adapter ${label} is a software rasteriser; --backend webgpu uses it)` : `cpu (WebGPU ${this.reason})`;
    return {
      backend: this.defaultBackend,
      mode: this.mode,
      adapter,
      webgpu: { available: this.available, software: this.software, description: this.reason },
    };
  }

  /**
   * Checks a backend a request names (`auto`, `cpu`, `webgpu`): unknown names are a 422, a
   * WebGPU request without an adapter a 503 `BACKEND_UNAVAILABLE`.
   */
  async ensure(name: string): Promise<void> {
    if (!(REQUEST_BACKENDS as readonly string[]).includes(name)) {
      throw new InvalidArgumentError('backend', `backend must be one of ${REQUEST_BACKENDS.join(', ')}, got '${name}'`);
    }
    if (name === 'webgpu' && !this.available) throw new BackendUnavailableError('webgpu', `this server has no WebGPU adapter (${this.reason})`);
  }

  /** Destroys the GPU device so that the process can exit. */
  async dispose(): Promise<void> {
    const h = this.handle;
    this.handle = null;
    this.available = false;
    this.reason = 'disposed';
    await h?.dispose();
  }
}
