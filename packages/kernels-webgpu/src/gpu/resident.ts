import { BufferUsage } from './usage.js';

interface Entry {
  buffer: GPUBuffer;
  bytes: number;
  fingerprint: Float32Array;
}

const SAMPLES = 64;

/** Values at 64 evenly spaced positions (and the last): a cheap check that an array was not rewritten. */
function fingerprint(data: Float32Array): Float32Array {
  const n = data.length;
  const out = new Float32Array(Math.min(n, SAMPLES + 1));
  for (let s = 0; s < out.length - 1; s++) out[s] = data[Math.floor((s * n) / SAMPLES)];
  if (out.length) out[out.length - 1] = data[n - 1];
  return out;
}

function sameFingerprint(a: Float32Array, b: Float32Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (!Object.is(a[i], b[i])) return false;
  return true;
}

/**
 * Device copies of feature matrices, keyed by the `Float32Array` object, least recently used
 * evicted beyond `maxBytes`. Greedy loops (DivPrune, CDPruner, the lazy MIS) call a kernel many
 * times on the same matrix; uploading it once instead of per call is what makes the GPU pay.
 * Contract: an array passed to a kernel is treated as immutable. A rewrite that changes one of
 * 65 sampled values (or the length) is detected and re-uploaded; other in-place rewrites are
 * not, so call {@link ResidentCache.forget} (or `WebGPUBackend.forget`) after mutating an array.
 */
export class ResidentCache {
  private readonly entries = new Map<Float32Array, Entry>();
  private bytes = 0;

  /** @param device the device @param maxBytes bytes kept resident (0 disables the cache) */
  constructor(
    private readonly device: GPUDevice,
    private readonly maxBytes: number,
  ) {}

  /** Whether an array of `bytes` bytes would be kept. */
  accepts(bytes: number): boolean {
    return bytes > 0 && bytes <= this.maxBytes;
  }

  /** The resident buffer of `data`, uploading it on first use or when its fingerprint changed. */
  get(data: Float32Array): GPUBuffer {
    const fp = fingerprint(data);
    const hit = this.entries.get(data);
    if (hit && hit.bytes === data.byteLength && sameFingerprint(hit.fingerprint, fp)) {
      this.entries.delete(data);
      this.entries.set(data, hit);
      return hit.buffer;
    }
    if (hit) this.forget(data);
    const buffer = this.device.createBuffer({ size: Math.ceil(data.byteLength / 4) * 4, usage: BufferUsage.STORAGE | BufferUsage.COPY_DST, label: 'd2pruner resident matrix' });
    this.device.queue.writeBuffer(buffer, 0, data.buffer, data.byteOffset, data.byteLength);
    this.entries.set(data, { buffer, bytes: data.byteLength, fingerprint: fp });
    this.bytes += data.byteLength;
    for (const [key, e] of this.entries) {
      if (this.bytes <= this.maxBytes || key === data) break;
      this.entries.delete(key);
      this.bytes -= e.bytes;
      e.buffer.destroy();
    }
    return buffer;
  }

  /** Drops the device copy of `data` (after an in-place change). */
  forget(data: Float32Array): void {
    const e = this.entries.get(data);
    if (!e) return;
    this.entries.delete(data);
    this.bytes -= e.bytes;
    e.buffer.destroy();
  }

  /** Bytes resident now. */
  get size(): number {
    return this.bytes;
  }

  /** Destroys every resident buffer. */
  clear(): void {
    for (const e of this.entries.values()) e.buffer.destroy();
    this.entries.clear();
    this.bytes = 0;
  }
}
