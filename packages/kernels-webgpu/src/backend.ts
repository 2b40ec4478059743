import { BackendUnavailableError, DeviceLostError, isD2PrunerError } from '@d2pruner/core';
import type { BackendProfile, KernelBackend, KernelInput, KernelName, KernelOutput } from '@d2pruner/kernels';
import { GpuContext } from './gpu/context.js';
import { GpuRun } from './gpu/run.js';
import { GPU_KERNELS, type GpuKernel } from './kernels/index.js';
import { defaultGpuProvider } from './provider/default.js';
import type { GpuProvider } from './provider/types.js';

/**
 * Default `minWork` (multiply-adds): below it `auto` keeps a call on the CPU. A call costs a
 * submit and a read-back (≈0.1–1 ms on a discrete GPU, several ms on software adapters) plus the
 * upload of inputs that are not resident; the CPU reference does roughly 1 GMAC/s, so 4 M MACs
 * (≈4 ms on the CPU) is where a GPU call starts to win. Examples: cosineMatrix of 576 tokens ×
 * 1024 features = 340 M (GPU), similarityRows of one query × 576 × 4096 = 2.4 M (CPU).
 */
export const WEBGPU_MIN_WORK = 1 << 22;

/** Options of {@link WebGPUBackend}. */
export interface WebGPUBackendOptions {
  /** Where the adapter comes from (default: `navigator.gpu`, else Dawn in Node). */
  provider?: GpuProvider;
  /** Priority in the registry (default 100; the CPU backend has 0, gpu.js 50). */
  priority?: number;
  /** Work threshold for `auto` (default {@link WEBGPU_MIN_WORK}). */
  minWork?: number;
  /**
   * Let `auto` use a software adapter (llvmpipe, SwiftShader: the same CPU cores, usually slower
   * than the JavaScript reference). Default false: such an adapter's {@link WebGPUBackend.profile}
   * is `software`, which the registry's `auto` never uses; naming `webgpu` still runs it.
   */
  useSoftwareAdapter?: boolean;
  /** Bytes of feature matrices kept on the device between calls (default 256 MiB; 0 = off). */
  residentBytes?: number;
  /** Bytes of idle buffers pooled for reuse (default 128 MiB). */
  poolBytes?: number;
  /** Wrap each call in validation and out-of-memory error scopes (default true). */
  errorScopes?: boolean;
  /**
   * Request `timestamp-query` when the adapter has it and record each call's GPU pass time in
   * {@link WebGPUBackend.lastKernelMs} (benchmarks; default false).
   */
  timestamps?: boolean;
  /** Receives one line naming the adapter once a device exists (default: none). */
  log?: (line: string) => void;
}

function lostText(ctx: GpuContext): string {
  const info = ctx.lostInfo;
  return info ? `${info.reason}: ${info.message || 'no message'}` : 'unknown reason';
}

type State =
  | { kind: 'idle' }
  | { kind: 'starting'; promise: Promise<GpuContext> }
  | { kind: 'ready'; ctx: GpuContext }
  | { kind: 'unavailable'; reason: string };

/**
 * WGSL kernels behind the {@link KernelBackend} interface. The device is requested lazily (first
 * `available()` or `run()`); calls are serialised on it, each wrapped in error scopes; a lost
 * device turns the call into a `DeviceLostError`, which makes the registry finish it on the CPU.
 * `dispose()` destroys every buffer and the device so that a Node process can exit.
 */
export class WebGPUBackend implements KernelBackend {
  readonly name = 'webgpu';
  readonly priority: number;
  private readonly configuredMinWork: number;
  private state: State = { kind: 'idle' };
  private queue: Promise<unknown> = Promise.resolve();
  private readonly provider: GpuProvider;

  /** @param options provider, priority, thresholds, cache sizes */
  constructor(private readonly options: WebGPUBackendOptions = {}) {
    this.priority = options.priority ?? 100;
    this.configuredMinWork = options.minWork ?? WEBGPU_MIN_WORK;
    this.provider = options.provider ?? defaultGpuProvider();
  }

  /** Work below which `auto` keeps a call on the CPU (the configured threshold; software adapters are excluded by {@link profile}). */
  get minWork(): number {
    return this.configuredMinWork;
  }

  /**
   * The hardware for the `auto` policy once the device exists: a software adapter is `software`
   * (never used by `auto`) unless `useSoftwareAdapter` is set; a hardware adapter is a `gpu` with
   * the throughput measured on an H200 through Dawn/Vulkan (docs/gpu.md), rounded down.
   */
  profile(): BackendProfile | undefined {
    const s = this.state;
    if (s.kind !== 'ready') return undefined;
    if (s.ctx.software && !this.options.useSoftwareAdapter) return { kind: 'software', macsPerMs: 2e6, callMs: 3, readBytesPerMs: 1e6 };
    return { kind: 'gpu', macsPerMs: 1.5e9, callMs: 0.4, readBytesPerMs: 2e6 };
  }

  /** True once an adapter and a device were obtained (requests them on first call). */
  async available(): Promise<boolean> {
    try {
      const ctx = await this.context();
      return ctx.lostInfo === null;
    } catch {
      return false;
    }
  }

  /** True for the kernels with a WGSL implementation. */
  supports(kernel: KernelName): boolean {
    return GPU_KERNELS[kernel] !== undefined;
  }

  /** Runs `kernel` on the device. Rejects with `DeviceLostError` when the device is lost. */
  run<K extends KernelName>(kernel: K, input: KernelInput<K>): Promise<KernelOutput<K>> {
    const impl = GPU_KERNELS[kernel] as GpuKernel<K> | undefined;
    if (!impl) return Promise.reject(new BackendUnavailableError('webgpu', `the webgpu backend does not implement kernel '${kernel}'`));
    const job = this.queue.then(() => this.execute(kernel, impl, input));
    this.queue = job.catch(() => undefined);
    return job;
  }

  private async execute<K extends KernelName>(kernel: K, impl: GpuKernel<K>, input: KernelInput<K>): Promise<KernelOutput<K>> {
    const ctx = await this.context();
    if (ctx.lostInfo) throw new DeviceLostError('webgpu', `the WebGPU device was lost (${lostText(ctx)})`);
    const scopes = this.options.errorScopes !== false;
    const run = new GpuRun(ctx, kernel);
    if (scopes) {
      ctx.device.pushErrorScope('validation');
      ctx.device.pushErrorScope('out-of-memory');
    }
    let output: KernelOutput<K> | undefined;
    let failure: unknown;
    try {
      output = await impl(run, input);
    } catch (e) {
      failure = e;
    }
    const errors = scopes ? await Promise.all([ctx.device.popErrorScope(), ctx.device.popErrorScope()]).catch(() => [null, null]) : [];
    run.release();
    if (failure !== undefined || output === undefined) {
      // a typed error (e.g. a refused size) needs no wait; anything else may be a loss not reported yet
      if (ctx.lostInfo || (!isD2PrunerError(failure) && (await ctx.isLost(100)))) {
        throw new DeviceLostError('webgpu', `the WebGPU device was lost during '${kernel}' (${lostText(ctx)})`);
      }
      if (isD2PrunerError(failure)) throw failure;
      throw new BackendUnavailableError('webgpu', `'${kernel}' failed on ${ctx.label}: ${failure instanceof Error ? failure.message : String(failure)}`);
    }
    const gpuError = errors.find((e) => e);
    if (gpuError) throw new BackendUnavailableError('webgpu', `'${kernel}' raised a WebGPU ${gpuError.constructor.name}: ${gpuError.message}`);
    return output;
  }

  private context(): Promise<GpuContext> {
    const s = this.state;
    if (s.kind === 'ready') return Promise.resolve(s.ctx);
    if (s.kind === 'starting') return s.promise;
    if (s.kind === 'unavailable') return Promise.reject(new BackendUnavailableError('webgpu', s.reason));
    const promise = (async () => {
      const handle = await this.provider();
      return GpuContext.create(handle, this.options.poolBytes ?? 128 * 2 ** 20, this.options.residentBytes ?? 256 * 2 ** 20, this.options.timestamps ?? false);
    })();
    this.state = { kind: 'starting', promise };
    promise.then(
      (ctx) => {
        this.state = { kind: 'ready', ctx };
        this.options.log?.(`webgpu adapter: ${ctx.label}`);
      },
      (e: unknown) => {
        this.state = { kind: 'unavailable', reason: e instanceof Error ? e.message : String(e) };
      },
    );
    return promise;
  }

  /**
   * The device, once {@link available} resolved true (else null): for error scopes in tests,
   * interop, or keeping data on the GPU between stages.
   */
  get device(): GPUDevice | null {
    return this.state.kind === 'ready' ? this.state.ctx.device : null;
  }

  /** GPU time of the last call's compute passes in ms (timestamp queries; null when unavailable). */
  get lastKernelMs(): number | null {
    return this.state.kind === 'ready' ? this.state.ctx.lastKernelMs : null;
  }

  /** The device context (pipelines, pools), or null before the device exists. */
  get gpuContext(): GpuContext | null {
    return this.state.kind === 'ready' ? this.state.ctx : null;
  }

  /** Names what runs: the adapter, or why there is none. */
  describe(): string {
    switch (this.state.kind) {
      case 'ready': {
        const ctx = this.state.ctx;
        const soft = ctx.software ? (this.options.useSoftwareAdapter ? ' [software adapter, used by auto]' : ' [software adapter: auto keeps work on the CPU]') : '';
        return `webgpu (${ctx.label})${soft}${ctx.lostInfo ? ' [device lost]' : ''}`;
      }
      case 'unavailable':
        return `webgpu (unavailable: ${this.state.reason})`;
      default:
        return 'webgpu (adapter not requested yet)';
    }
  }

  /** Drops the device copy of a matrix after it was changed in place (see ResidentCache). */
  forget(data: Float32Array): void {
    if (this.state.kind === 'ready') this.state.ctx.resident.forget(data);
  }

  /**
   * Waits for pending calls, destroys every buffer and the device, and releases the GPU instance.
   * The backend can be used again afterwards (a new device is requested).
   */
  async dispose(): Promise<void> {
    await this.queue;
    const s = this.state;
    this.state = { kind: 'idle' };
    const ctx = s.kind === 'ready' ? s.ctx : s.kind === 'starting' ? await s.promise.catch(() => null) : null;
    ctx?.destroy();
  }
}

/** Creates a {@link WebGPUBackend}. */
export function createWebGPUBackend(options: WebGPUBackendOptions = {}): WebGPUBackend {
  return new WebGPUBackend(options);
}
