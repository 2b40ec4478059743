import { BackendUnavailableError } from '@d2pruner/core';
import type { GpuAdapterHandle } from '../provider/types.js';
import { BufferPool } from './pool.js';
import { ResidentCache } from './resident.js';
import { checkDeviceComputes } from './self-test.js';

/** A shader and the override constants of one pipeline variant. */
export interface PipelineSpec {
  /** Shape-free cache key of the shader (e.g. `gram`). */
  id: string;
  code: string;
  constants?: Record<string, number>;
}

/** Describes an adapter in one line: source, device / description, vendor and architecture. */
export function adapterLabel(handle: GpuAdapterHandle): string {
  const info = handle.adapter.info;
  const parts = [info.device, info.description, [info.vendor, info.architecture].filter(Boolean).join(' ')].filter((s) => s && s.length > 0);
  const fallback = info.isFallbackAdapter ? ', fallback adapter' : '';
  return `${handle.source}: ${parts.join(' / ') || 'unnamed adapter'}${fallback}`;
}

/** Limits raised to the adapter's values (compatibility-mode defaults are too small, e.g. 128 invocations). */
/**
 * True for adapters that run on the CPU (llvmpipe / lavapipe, SwiftShader, WARP, or any adapter
 * flagged as a fallback): they share the cores the CPU backend would use.
 */
export function isSoftwareAdapter(info: GPUAdapterInfo): boolean {
  if (info.isFallbackAdapter) return true;
  return /llvmpipe|lavapipe|softpipe|swiftshader|microsoft basic render|\bwarp\b/i.test(`${info.vendor} ${info.architecture} ${info.device} ${info.description}`);
}

const LIMITS = [
  'maxStorageBufferBindingSize',
  'maxBufferSize',
  'maxComputeWorkgroupStorageSize',
  'maxStorageBuffersPerShaderStage',
  'maxComputeInvocationsPerWorkgroup',
  'maxComputeWorkgroupSizeX',
  'maxComputeWorkgroupSizeY',
] as const;

/**
 * One device and what hangs off it: compiled pipelines (keyed by shader id and constants, never
 * by shape), the buffer pool and the resident matrices. Created by the backend on first use.
 */
export class GpuContext {
  /** Set once the device is lost (reason and message as reported). */
  lostInfo: { reason: string; message: string } | null = null;
  readonly pool: BufferPool;
  readonly resident: ResidentCache;
  /** The adapter runs on the CPU (see {@link isSoftwareAdapter}). */
  readonly software: boolean;
  private readonly modules = new Map<string, GPUShaderModule>();
  private readonly pipelines = new Map<string, Promise<GPUComputePipeline>>();
  private disposed = false;
  private readonly lostPromise: Promise<void>;
  /** Timestamp queries (two per compute pass) when the device was created with them. */
  readonly timestamps: { querySet: GPUQuerySet; capacity: number } | null;
  /** GPU time of the compute passes of the last call that read back, in ms (null without timestamps). */
  lastKernelMs: number | null = null;

  private constructor(
    readonly handle: GpuAdapterHandle,
    readonly device: GPUDevice,
    readonly label: string,
    poolBytes: number,
    residentBytes: number,
  ) {
    this.timestamps = device.features.has('timestamp-query') ? { querySet: device.createQuerySet({ type: 'timestamp', count: 64 }), capacity: 32 } : null;
    this.software = isSoftwareAdapter(handle.adapter.info);
    this.pool = new BufferPool(device, poolBytes);
    this.resident = new ResidentCache(device, residentBytes);
    this.lostPromise = device.lost.then((info) => {
      if (!this.disposed) this.lostInfo = { reason: String(info.reason), message: info.message };
    });
  }

  /**
   * Requests a device with the adapter's full buffer limits (and `timestamp-query` when
   * `timestamps` is asked for and the adapter has it: kernel-only times for benchmarks), then
   * refuses it unless a known-answer compute pass is exact (`checkDeviceComputes`, the self-test).
   */
  static async create(handle: GpuAdapterHandle, poolBytes: number, residentBytes: number, timestamps = false): Promise<GpuContext> {
    const requiredLimits: Record<string, number> = {};
    for (const k of LIMITS) requiredLimits[k] = handle.adapter.limits[k];
    const requiredFeatures: GPUFeatureName[] = timestamps && handle.adapter.features.has('timestamp-query') ? ['timestamp-query'] : [];
    let device: GPUDevice;
    try {
      device = await handle.adapter.requestDevice({ requiredLimits, requiredFeatures, label: 'd2pruner kernels' });
    } catch (e) {
      throw new BackendUnavailableError('webgpu', `requestDevice failed on ${adapterLabel(handle)}: ${e instanceof Error ? e.message : String(e)}`);
    }
    try {
      await checkDeviceComputes(device, adapterLabel(handle));
    } catch (e) {
      device.destroy();
      throw e;
    }
    return new GpuContext(handle, device, adapterLabel(handle), poolBytes, residentBytes);
  }

  /** The pipeline of `spec`, compiled once per device. */
  pipeline(spec: PipelineSpec): Promise<GPUComputePipeline> {
    const consts = Object.entries(spec.constants ?? {}).map(([k, v]) => `${k}=${v}`).join(',');
    const key = `${spec.id}:${consts}`;
    let p = this.pipelines.get(key);
    if (!p) {
      let module = this.modules.get(spec.id);
      if (!module) {
        module = this.device.createShaderModule({ code: spec.code, label: spec.id });
        this.modules.set(spec.id, module);
      }
      p = this.device
        .createComputePipelineAsync({ layout: 'auto', label: key, compute: { module, entryPoint: 'main', constants: spec.constants } })
        .catch((e: unknown) => {
          this.pipelines.delete(key);
          throw new BackendUnavailableError('webgpu', `pipeline '${key}' failed to compile: ${e instanceof Error ? e.message : String(e)}`);
        });
      this.pipelines.set(key, p);
    }
    return p;
  }

  /** Number of pipelines compiled or compiling (for tests of the cache). */
  get pipelineCount(): number {
    return this.pipelines.size;
  }

  /** Throws unless a binding of `bytes` fits the device's storage-binding limit. */
  checkBinding(field: string, bytes: number): void {
    const max = this.device.limits.maxStorageBufferBindingSize;
    if (bytes > max) {
      throw new BackendUnavailableError(field, `${field} needs ${bytes} bytes on the GPU, above maxStorageBufferBindingSize (${max}) of ${this.label}`);
    }
  }

  /** True when the device is lost, waiting up to `ms` for a pending loss to be reported. */
  async isLost(ms = 0): Promise<boolean> {
    if (this.lostInfo) return true;
    if (ms > 0) await Promise.race([this.lostPromise, new Promise((r) => setTimeout(r, ms))]);
    return this.lostInfo !== null;
  }

  /** Destroys buffers and the device and drops the GPU instance. */
  destroy(): void {
    this.disposed = true;
    this.timestamps?.querySet.destroy();
    this.resident.clear();
    this.pool.destroyAll();
    this.pipelines.clear();
    this.modules.clear();
    this.device.destroy();
    this.handle.release();
  }
}
