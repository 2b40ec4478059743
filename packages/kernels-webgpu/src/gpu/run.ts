import type { GpuContext, PipelineSpec } from './context.js';
import type { UniformStruct } from './uniform.js';
import { BufferUsage, MAP_READ, type Slice } from './usage.js';

/** Binding size of `bytes` bytes: at least 4 (a zero-length array still binds one element). */
function bindSize(bytes: number): number {
  return Math.max(4, Math.ceil(bytes / 4) * 4);
}

/**
 * The GPU work of one kernel call: buffers taken from the pool (all returned by `release`), the
 * dispatches recorded into one command encoder, and the read-back that submits them.
 */
export class GpuRun {
  private encoder: GPUCommandEncoder | null = null;
  private readonly held: GPUBuffer[] = [];
  private passes = 0;

  /** @param ctx the device context @param label kernel name, for GPU debug labels */
  constructor(
    readonly ctx: GpuContext,
    private readonly label: string,
  ) {}

  private take(bytes: number, usage: number): Slice {
    const buffer = this.ctx.pool.acquire(bindSize(bytes), usage, `${this.label}`);
    this.held.push(buffer);
    return { buffer, size: bindSize(bytes) };
  }

  /** Uploads `data` into a pooled storage buffer. */
  input(field: string, data: ArrayBufferView): Slice {
    this.ctx.checkBinding(field, data.byteLength);
    const s = this.take(data.byteLength, BufferUsage.STORAGE | BufferUsage.COPY_DST);
    if (data.byteLength > 0) this.ctx.device.queue.writeBuffer(s.buffer, 0, data.buffer, data.byteOffset, data.byteLength);
    return s;
  }

  /** A feature matrix: its resident copy when the cache takes it, else a per-call upload. */
  matrix(field: string, data: Float32Array): Slice {
    this.ctx.checkBinding(field, data.byteLength);
    if (!this.ctx.resident.accepts(data.byteLength)) return this.input(field, data);
    return { buffer: this.ctx.resident.get(data), size: bindSize(data.byteLength) };
  }

  /** An output storage buffer of `bytes` bytes (contents undefined until written). */
  output(field: string, bytes: number): Slice {
    this.ctx.checkBinding(field, bytes);
    return this.take(bytes, BufferUsage.STORAGE | BufferUsage.COPY_SRC | BufferUsage.COPY_DST);
  }

  /** A uniform buffer holding `struct` packed from `values` (the one declaration of its layout). */
  uniform<F extends string>(struct: UniformStruct<F>, values: Readonly<Record<F, number>>): Slice {
    const data = struct.pack(values);
    const s = this.take(struct.bytes, BufferUsage.UNIFORM | BufferUsage.COPY_DST);
    this.ctx.device.queue.writeBuffer(s.buffer, 0, data, 0, struct.bytes);
    return { buffer: s.buffer, size: struct.bytes };
  }

  /** Writes zeros to the first `bytes` bytes of `s` (before the recorded work runs). */
  zero(s: Slice, bytes: number): void {
    const n = Math.ceil(bytes / 4) * 4;
    if (n > 0) this.ctx.device.queue.writeBuffer(s.buffer, 0, new Uint32Array(n / 4));
  }

  /** Records one dispatch of `spec` over `groups` workgroups with `bindings` at 0, 1, 2, … */
  async dispatch(spec: PipelineSpec, bindings: readonly Slice[], groups: readonly [number, number]): Promise<void> {
    const pipeline = await this.ctx.pipeline(spec);
    if (groups[0] === 0 || groups[1] === 0) return;
    const bindGroup = this.ctx.device.createBindGroup({
      layout: pipeline.getBindGroupLayout(0),
      entries: bindings.map((s, binding) => ({ binding, resource: { buffer: s.buffer, offset: 0, size: s.size } })),
    });
    this.encoder ??= this.ctx.device.createCommandEncoder({ label: this.label });
    const ts = this.ctx.timestamps;
    const timestampWrites = ts && this.passes < ts.capacity ? { querySet: ts.querySet, beginningOfPassWriteIndex: 2 * this.passes, endOfPassWriteIndex: 2 * this.passes + 1 } : undefined;
    if (timestampWrites) this.passes++;
    const pass = this.encoder.beginComputePass({ label: spec.id, timestampWrites });
    pass.setPipeline(pipeline);
    pass.setBindGroup(0, bindGroup);
    pass.dispatchWorkgroups(groups[0], groups[1]);
    pass.end();
  }

  /** Submits the recorded work and reads several buffers back with one submit. */
  async readMany(parts: ReadonlyArray<readonly [Slice, number]>): Promise<ArrayBuffer[]> {
    const sized = parts.map(([src, bytes]) => [src, Math.ceil(bytes / 4) * 4, bytes] as const);
    const stagings = sized.map(([, b]) => (b > 0 ? this.take(b, BufferUsage.MAP_READ | BufferUsage.COPY_DST) : null));
    this.encoder ??= this.ctx.device.createCommandEncoder({ label: this.label });
    sized.forEach(([src, b], i) => {
      const st = stagings[i];
      if (st) this.encoder!.copyBufferToBuffer(src.buffer, 0, st.buffer, 0, b);
    });
    const times = this.resolveTimestamps(this.encoder);
    this.ctx.device.queue.submit([this.encoder.finish()]);
    this.encoder = null;
    const out = await Promise.all(
      sized.map(async ([, b, bytes], i) => {
        const st = stagings[i];
        if (!st) return new ArrayBuffer(0);
        await st.buffer.mapAsync(MAP_READ, 0, b);
        const copy = st.buffer.getMappedRange(0, b).slice(0, bytes);
        st.buffer.unmap();
        return copy;
      }),
    );
    await times?.();
    return out;
  }

  /** Records the resolve of this run's pass timestamps; the returned function reads them into `ctx.lastKernelMs`. */
  private resolveTimestamps(encoder: GPUCommandEncoder): (() => Promise<void>) | undefined {
    const ts = this.ctx.timestamps;
    const n = this.passes;
    if (!ts || n === 0) return undefined;
    this.passes = 0;
    const bytes = 16 * n;
    const resolve = this.take(bytes, BufferUsage.QUERY_RESOLVE | BufferUsage.COPY_SRC);
    const staging = this.take(bytes, BufferUsage.MAP_READ | BufferUsage.COPY_DST);
    encoder.resolveQuerySet(ts.querySet, 0, 2 * n, resolve.buffer, 0);
    encoder.copyBufferToBuffer(resolve.buffer, 0, staging.buffer, 0, bytes);
    return async () => {
      await staging.buffer.mapAsync(MAP_READ, 0, bytes);
      const t = new BigUint64Array(staging.buffer.getMappedRange(0, bytes).slice(0));
      staging.buffer.unmap();
      let ns = 0n;
      for (let i = 0; i < n; i++) if (t[2 * i + 1] > t[2 * i]) ns += t[2 * i + 1] - t[2 * i];
      this.ctx.lastKernelMs = Number(ns) / 1e6;
    };
  }

  /** Submits the recorded work and reads `bytes` bytes of `src` back. */
  async read(src: Slice, bytes: number): Promise<ArrayBuffer> {
    if (bytes === 0) {
      if (this.encoder) this.ctx.device.queue.submit([this.encoder.finish()]);
      this.encoder = null;
      return new ArrayBuffer(0);
    }
    const [copy] = await this.readMany([[src, bytes]]);
    return copy;
  }

  /** Returns every buffer of this run to the pool. */
  release(): void {
    for (const b of this.held) {
      if (b.mapState !== 'unmapped') b.unmap();
      this.ctx.pool.release(b);
    }
    this.held.length = 0;
  }
}

/** A grid of `groups` workgroups as (x, y) within the 65 535-per-dimension limit. */
export function grid(groups: number): [number, number] {
  if (groups <= 0) return [0, 0];
  const x = Math.min(groups, 65535);
  return [x, Math.ceil(groups / x)];
}
