import { BackendUnavailableError, InvalidArgumentError } from '@d2pruner/core';
import { kernelRegistry, type AutoEligibility, type KernelRegistry } from '@d2pruner/kernels';
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
 * default backend, checks the backend a request names, and releases the device at shutdown.
 * Under `auto` the choice is the kernel registry's one policy (`autoEligibility`, then per request
 * `decideD2Pruner`): requests default to `auto` when WebGPU is eligible (a hardware adapter), else
 * to the CPU; `--backend webgpu` uses any adapter, software ones too.
 */
export class BackendManager {
  private handle: WebGpuHandle | null = null;
  private available = false;
  private reason = 'not probed';
  private eligibility: AutoEligibility = { eligible: false, software: false, reason: 'not probed' };

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
      this.eligibility = await this.eligibilityOf(this.handle);
    } catch (e) {
      this.available = false;
      this.reason = `unavailable: ${e instanceof Error ? e.message : String(e)}`;
    }
  }

  /**
   * The registry's verdict on the WebGPU backend; a loader that registers nothing (an injected
   * handle) is judged by the adapter class its context reports.
   */
  private async eligibilityOf(h: WebGpuHandle): Promise<AutoEligibility> {
    if (this.registry.get('webgpu')) return this.registry.autoEligibility('webgpu');
    const software = h.gpuContext?.software ?? false;
    return { eligible: this.available && !software, software, reason: h.describe() };
  }

  private get software(): boolean {
    return this.eligibility.software;
  }

  /** The backend requests use when they name none: `auto` lets the registry decide per request. */
  get defaultBackend(): 'auto' | 'webgpu' | 'cpu' {
    if (!this.available) return 'cpu';
    if (this.mode === 'webgpu') return 'webgpu';
    return this.eligibility.eligible ? 'auto' : 'cpu';
  }

  /** The accelerator in use by default: `webgpu` when requests may run on it, else `cpu`. */
  private get accelerator(): 'webgpu' | 'cpu' {
    return this.defaultBackend === 'cpu' ? 'cpu' : 'webgpu';
  }

  /** What `/healthz` and `/metrics` say. */
  health(): BackendHealth {
    const label = this.handle?.gpuContext?.label;
    const adapter =
      this.accelerator === 'webgpu'
        ? `webgpu: ${label ?? this.reason}${this.defaultBackend === 'auto' ? ' (auto: per request, by estimated cost)' : ''}`
        : this.available
          ? `cpu (WebGPU adapter ${label} is a software rasteriser; --backend webgpu uses it)`
          : `cpu (WebGPU ${this.reason})`;
    return {
      backend: this.accelerator,
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
