/**
 * Reusable read buffers for token files. A fresh 10+ MB buffer per request costs more than the
 * read itself on Linux (every page is faulted in and zeroed by the kernel, then unmapped when the
 * garbage collector frees it, and two worker threads faulting at once contend on the process's
 * memory-map lock); reading into a buffer that an earlier request returned costs only the copy.
 * @packageDocumentation
 */
import { InvalidArgumentError } from '@d2pruner/core';
import { wasmBackedBytes } from '@d2pruner/kernels';

/** Options of {@link ReadBufferPool}. */
export interface ReadBufferPoolOptions {
  /** Most bytes the pool keeps while no request holds them (default 256 MiB). */
  maxRetainedBytes?: number;
  /** Buffers are allocated in multiples of this many bytes (default 1 MiB), so near sizes share. */
  granule?: number;
  /**
   * Makes a region of the given size. Default: one in a WebAssembly memory
   * (`wasmBackedBytes`), so the SIMD kernels read float32 rows decoded there in place; a plain
   * array where the runtime has no WebAssembly SIMD.
   */
  create?: (bytes: number) => Uint8Array;
}

function wasmOrPlain(bytes: number): Uint8Array {
  try {
    return wasmBackedBytes(bytes) ?? new Uint8Array(bytes);
  } catch {
    return new Uint8Array(bytes); // no address space left for another WebAssembly memory: a plain buffer still works (rows are copied)
  }
}

/**
 * A pool of memory regions lent out as `Uint8Array` views and given back with {@link release}.
 * `acquire(size)` lends the smallest free region of at least `size` bytes and at most twice that
 * (else makes one, rounded up to the granule). A region that is never given back is simply
 * garbage-collected: the pool holds only free regions. The caller must not touch a view after
 * giving it back.
 */
export class ReadBufferPool {
  private readonly free: Uint8Array[] = [];
  private readonly regions = new WeakMap<ArrayBufferLike, Uint8Array>();
  private retained = 0;
  private readonly maxRetained: number;
  private readonly granule: number;
  private readonly create: (bytes: number) => Uint8Array;

  /** A pool keeping at most `maxRetainedBytes` of free buffers. */
  constructor(options: ReadBufferPoolOptions = {}) {
    this.maxRetained = options.maxRetainedBytes ?? 256 * 2 ** 20;
    this.granule = options.granule ?? 2 ** 20;
    this.create = options.create ?? wasmOrPlain;
    if (!(this.maxRetained >= 0)) throw new InvalidArgumentError('maxRetainedBytes', 'must be a number ≥ 0');
    if (!(Number.isInteger(this.granule) && this.granule >= 1)) throw new InvalidArgumentError('granule', 'must be an integer ≥ 1');
  }

  /** Bytes held in free buffers now. */
  get retainedBytes(): number {
    return this.retained;
  }

  /** Lends a view of exactly `size` bytes (its contents are whatever the region held). */
  acquire(size: number): Uint8Array {
    let best = -1;
    for (let i = 0; i < this.free.length; i++) {
      const len = this.free[i].byteLength;
      if (len >= size && len <= 2 * size + this.granule && (best < 0 || len < this.free[best].byteLength)) best = i;
    }
    if (best >= 0) {
      const [region] = this.free.splice(best, 1);
      this.retained -= region.byteLength;
      return region.subarray(0, size);
    }
    const region = this.create(Math.max(this.granule, Math.ceil(size / this.granule) * this.granule));
    this.regions.set(region.buffer, region);
    return region.subarray(0, size);
  }

  /**
   * Gives a lent view's region back. Regions over the retention limit are dropped, largest
   * first kept; giving back the same region twice, or a view the pool did not lend, is ignored.
   */
  release(bytes: Uint8Array): void {
    const region = this.regions.get(bytes.buffer);
    if (!region || region.byteLength === 0 || this.free.includes(region)) return;
    if (region.byteLength > this.maxRetained) return;
    this.free.push(region);
    this.retained += region.byteLength;
    while (this.retained > this.maxRetained) {
      let smallest = 0;
      for (let i = 1; i < this.free.length; i++) if (this.free[i].byteLength < this.free[smallest].byteLength) smallest = i;
      this.retained -= this.free[smallest].byteLength;
      this.free.splice(smallest, 1);
    }
  }
}
