import { BackendUnavailableError, isD2PrunerError } from '@d2pruner/core';
import type { KernelBackend, KernelInput, KernelName, KernelOutput } from '@d2pruner/kernels';
import type { GPU as GpuJs, IGPUKernelSettings, IKernelRunShortcut } from 'gpu.js';
import { GPUJS_KERNELS, type GpuJsKernel, type GpuJsRunner } from './kernels.js';
import { describeMode, GPU_MODES, type GpuJsMode } from './mode.js';

/** A WebGPU `GPU` object (navigator.gpu or Dawn's), structurally. */
export interface NavigatorGpuLike {
  /** Resolves to a GPU adapter, or null when there is none. */
  requestAdapter(options?: object): Promise<unknown>;
}

/** Options of {@link GpuJsBackend}. */
export interface GpuJsBackendOptions {
  /** Mode asked of gpu.js (default `gpu`: gpu.js picks headlessgl, webgl2, webgl, then webasm). */
  mode?: GpuJsMode;
  /**
   * Refuse (report unavailable) when gpu.js resolves to a mode that is not a GPU (`cpu`,
   * `webasm`). Default true, so that `auto` never prefers a CPU emulation to the reference.
   */
  requireGpu?: boolean;
  /**
   * For mode `webgpu` outside browsers: a WebGPU `GPU` object (e.g. Dawn's, from the `webgpu`
   * package) that gpu.js reads as `navigator.gpu`. It is installed on `globalThis.navigator`
   * while the backend lives (only if no `navigator.gpu` exists) and removed by `dispose()`.
   */
  navigatorGpu?: NavigatorGpuLike;
  /** Priority in the registry (default 50: above cpu, below webgpu). */
  priority?: number;
  /** Work threshold for `auto` in multiply-adds (default 2^22, as webgpu). */
  minWork?: number;
}

type GpuJsModule = typeof import('gpu.js');

/**
 * One compiled kernel per source serves every shape. gpu.js caps every loop at
 * `loopMaxIterations` (default 1000, silently truncating longer loops: a 4096-wide dot would
 * stop at 1000), so the cap is raised far above any feature width or candidate count.
 */
const KERNEL_SETTINGS: IGPUKernelSettings & { loopMaxIterations: number } = {
  output: [1],
  dynamicOutput: true,
  dynamicArguments: true,
  loopMaxIterations: 1 << 24,
  tactic: 'precision',
  precision: 'single',
};

interface Ready {
  mod: GpuJsModule;
  gpu: GpuJs;
  /** The mode gpu.js resolved for new kernels. */
  resolved: string;
}

/**
 * The kernels through gpu.js — optional, never pulled in by other packages. gpu.js silently
 * falls back between modes (no `gl` package ⇒ no headless GL; a failed build ⇒ its CPU mode);
 * this backend reports the mode gpu.js resolved and, after every call, the mode that actually
 * ran (`ranModes`, `describe()`), and by default refuses to stand in for the CPU reference with
 * a CPU emulation.
 */
export class GpuJsBackend implements KernelBackend {
  readonly name = 'gpujs';
  readonly priority: number;
  readonly minWork: number;
  /** Modes kernels actually ran in so far. */
  readonly ranModes = new Set<string>();
  private ready: Promise<Ready> | null = null;
  private state: Ready | null = null;
  private reason = 'not initialised yet';
  private readonly kernels = new Map<string, IKernelRunShortcut>();
  private restoreNavigator: (() => void) | null = null;

  /** @param options requested mode, GPU requirement, navigator.gpu for Node */
  constructor(private readonly options: GpuJsBackendOptions = {}) {
    this.priority = options.priority ?? 50;
    this.minWork = options.minWork ?? 1 << 22;
  }

  /** The mode gpu.js resolved (null before {@link available}). */
  get mode(): string | null {
    return this.state?.resolved ?? null;
  }

  private init(): Promise<Ready> {
    this.ready ??= (async () => {
      const loaded = (await import('gpu.js')) as GpuJsModule & { default?: GpuJsModule };
      const mod = loaded.GPU ? loaded : (loaded.default as GpuJsModule);
      const mode = this.options.mode ?? 'gpu';
      if (mode === 'webgpu') await this.prepareWebGPU(mod);
      let gpu: GpuJs;
      try {
        gpu = new mod.GPU({ mode });
      } catch (e) {
        throw new BackendUnavailableError('gpujs', `gpu.js cannot run mode '${mode}' here: ${e instanceof Error ? e.message : String(e)}${mode === 'headlessgl' ? " (headless GL needs the 'gl' package and an X display)" : ''}`);
      }
      const resolved = (gpu.Kernel as unknown as { mode: string }).mode;
      if (this.options.requireGpu !== false && !GPU_MODES.has(resolved)) {
        await gpu.destroy();
        const gl = mode === 'gpu' && !mod.GPU.isHeadlessGLSupported ? "; headless GL is unavailable (the 'gl' package is not installed or has no display)" : '';
        throw new BackendUnavailableError('gpujs', `gpu.js resolved mode '${mode}' to ${describeMode(resolved)}${gl}; refused because requireGpu is set`);
      }
      return { mod, gpu, resolved };
    })();
    return this.ready;
  }

  private async prepareWebGPU(mod: GpuJsModule): Promise<void> {
    const g = globalThis as { navigator?: { gpu?: unknown } };
    const supplied = this.options.navigatorGpu;
    if (!g.navigator?.gpu && supplied) {
      if (g.navigator) {
        Object.defineProperty(g.navigator, 'gpu', { value: supplied, configurable: true });
        this.restoreNavigator = () => delete (g.navigator as { gpu?: unknown }).gpu;
      } else {
        Object.defineProperty(globalThis, 'navigator', { value: { gpu: supplied }, configurable: true, writable: true });
        this.restoreNavigator = () => delete g.navigator;
      }
    }
    if (!(await mod.GPU.isWebGPUAvailable())) {
      throw new BackendUnavailableError('gpujs', `gpu.js mode 'webgpu' has no adapter (${g.navigator?.gpu ? 'navigator.gpu found no adapter' : 'no navigator.gpu; pass options.navigatorGpu in Node'})`);
    }
  }

  /** True when gpu.js runs here in an acceptable mode (see `requireGpu`). */
  async available(): Promise<boolean> {
    try {
      this.state = await this.init();
      this.reason = '';
      return true;
    } catch (e) {
      this.reason = e instanceof Error ? e.message : String(e);
      return false;
    }
  }

  /** True for the kernels with a gpu.js implementation. */
  supports(kernel: KernelName): boolean {
    return GPUJS_KERNELS[kernel] !== undefined;
  }

  /** Runs `kernel` through gpu.js and records the mode it ran in. */
  async run<K extends KernelName>(kernel: K, input: KernelInput<K>): Promise<KernelOutput<K>> {
    const impl = GPUJS_KERNELS[kernel] as GpuJsKernel<K> | undefined;
    if (!impl) throw new BackendUnavailableError('gpujs', `the gpujs backend does not implement kernel '${kernel}'`);
    let ready: Ready;
    try {
      ready = this.state ?? (this.state = await this.init());
    } catch (e) {
      throw isD2PrunerError(e) ? e : new BackendUnavailableError('gpujs', String(e));
    }
    try {
      return await impl(this.runner(ready), input);
    } catch (e) {
      if (isD2PrunerError(e)) throw e;
      throw new BackendUnavailableError('gpujs', `'${kernel}' failed in gpu.js mode ${ready.resolved}: ${e instanceof Error ? e.message : String(e)}`);
    }
  }

  private runner(ready: Ready): GpuJsRunner {
    return async (source, threads, args) => {
      let k = this.kernels.get(source);
      if (!k) {
        k = ready.gpu.createKernel(source, KERNEL_SETTINGS);
        this.kernels.set(source, k);
      }
      k.setOutput([threads]);
      const raw: unknown = await (k as unknown as (...a: ReadonlyArray<Float32Array | number>) => unknown)(...args);
      const ran = (k.kernel.constructor as unknown as { mode?: string }).mode ?? 'unknown';
      this.ranModes.add(ran);
      if (raw instanceof Float32Array) return raw.length === threads ? raw : raw.slice(0, threads);
      return Float32Array.from(raw as ArrayLike<number>).slice(0, threads);
    };
  }

  /** The requested and resolved modes and the modes kernels actually ran in. */
  describe(): string {
    const asked = this.options.mode ?? 'gpu';
    if (!this.state) return `gpujs (mode '${asked}': ${this.reason})`;
    const ran = this.ranModes.size ? `; ran: ${[...this.ranModes].join(', ')}` : '';
    return `gpujs (mode '${asked}' → ${describeMode(this.state.resolved)}${ran})`;
  }

  /**
   * Destroys the gpu.js instance and removes an installed navigator.gpu. In mode `webgpu` it also
   * destroys gpu.js' WebGPU device, which gpu.js shares across the process (other gpu.js
   * instances in webgpu mode then request a new one).
   */
  async dispose(): Promise<void> {
    const ready = this.ready ? await this.ready.catch(() => null) : null;
    this.ready = null;
    this.state = null;
    this.kernels.clear();
    if (ready) {
      await ready.gpu.destroy();
      if (ready.resolved === 'webgpu') await (ready.mod as unknown as { WebGPUContext: { destroy(): Promise<void> } }).WebGPUContext.destroy();
    }
    this.restoreNavigator?.();
    this.restoreNavigator = null;
  }
}

/** Creates a {@link GpuJsBackend}. */
export function createGpuJsBackend(options: GpuJsBackendOptions = {}): GpuJsBackend {
  return new GpuJsBackend(options);
}
