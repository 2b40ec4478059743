/**
 * Size class of a request: the next step of a quarter-octave ladder (256, 320, 384, 448, 512, …),
 * so that pooled buffers are reused across nearby sizes while wasting at most 25 %.
 */
export function sizeClass(bytes: number): number {
  if (bytes <= 256) return 256;
  const octave = 2 ** Math.floor(Math.log2(bytes));
  const step = octave / 4;
  return Math.ceil(bytes / step) * step;
}

/**
 * Idle buffers by usage and size class. `acquire` reuses one or creates it; `release` keeps it
 * for reuse while the idle total stays under `maxIdleBytes`, else destroys it. `destroyAll`
 * destroys every buffer the pool ever handed out that is idle now (in-flight ones are destroyed
 * by their run's release once the pool is closed).
 */
export class BufferPool {
  private readonly idle = new Map<string, GPUBuffer[]>();
  private idleBytes = 0;
  private closed = false;
  private live = 0;

  /** @param device the device buffers are created on @param maxIdleBytes idle bytes kept */
  constructor(
    private readonly device: GPUDevice,
    private readonly maxIdleBytes: number,
  ) {}

  /** A buffer of at least `bytes` bytes with exactly `usage`. */
  acquire(bytes: number, usage: number, label: string): GPUBuffer {
    const cls = sizeClass(bytes);
    const size = cls <= this.device.limits.maxBufferSize ? cls : Math.ceil(bytes / 4) * 4;
    const list = this.idle.get(`${usage}:${size}`);
    const reused = list?.pop();
    this.live++;
    if (reused) {
      this.idleBytes -= reused.size;
      return reused;
    }
    return this.device.createBuffer({ size, usage, label });
  }

  /** Returns a buffer to the pool (or destroys it when the pool is full or closed). */
  release(buffer: GPUBuffer): void {
    this.live--;
    if (this.closed || this.idleBytes + buffer.size > this.maxIdleBytes) {
      buffer.destroy();
      return;
    }
    const key = `${buffer.usage}:${buffer.size}`;
    const list = this.idle.get(key);
    if (list) list.push(buffer);
    else this.idle.set(key, [buffer]);
    this.idleBytes += buffer.size;
  }

  /** Buffers handed out and not yet released. */
  get inUse(): number {
    return this.live;
  }

  /** Idle bytes held for reuse. */
  get idleSize(): number {
    return this.idleBytes;
  }

  /** Destroys every idle buffer; later releases destroy their buffer. */
  destroyAll(): void {
    this.closed = true;
    for (const list of this.idle.values()) for (const b of list) b.destroy();
    this.idle.clear();
    this.idleBytes = 0;
  }
}
