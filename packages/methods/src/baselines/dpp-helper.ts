import type { HelperThread } from '@d2pruner/core';
import type { DppHelperJob } from './dpp-helper-loop.js';
import { HELPER_CTL, HelperJob } from './helper-job.js';

/** Byte size of the helper regions of a request of `n` tokens and `steps` basis rows, besides the control words (see {@link dppHelperLayout}). */
export function dppHelperBytes(n: number, steps: number): number {
  return 3 * align8(4 * n) + 3 * 8 * n + 8 * steps + 8 * steps + 64;
}

/**
 * The helper regions of one request: the control words at `HELPER_CTL_AT` (the caller keeps the
 * first 16 bytes of the memory free), the rest from byte offset `at` (16-aligned;
 * {@link dppHelperBytes} long), with the regions of the main thread's screen it reads
 * (`basisAt`, `rowsAt`).
 */
export function dppHelperLayout(at: number, n: number, steps: number, stride: number, basisAt: number, rowsAt: number): DppHelperJob {
  const heapAt = at;
  const hsAt = heapAt + align8(4 * n);
  const verAt = hsAt + align8(4 * n);
  const hbAt = verAt + align8(4 * n);
  const invAt = hbAt + 8 * n;
  const r2At = invAt + 8 * n;
  const etaAt = r2At + 8 * n;
  const outAt = etaAt + 8 * steps;
  return { id: 0, n, stride, steps, heapAt, hsAt, verAt, hbAt, invAt, r2At, etaAt, basisAt, rowsAt, outAt };
}

/**
 * The main thread's side of one CDPruner request with a screen helper: the shared views it
 * fills before {@link start} (the heap, each token's starting bound, 1/‖h_i‖, r_i²; η as the
 * screen adds basis rows), the publication of basis rows, the helper's bounds ({@link take}),
 * and `finish` (from {@link HelperJob}), which stops the helper before the memory is reused.
 */
export class DppHelperRun extends HelperJob {
  /** The main thread's heap storage (token per position), read by the helper as hints. */
  readonly heap: Int32Array;
  /** 1/‖h_i‖ where token i can be screened, else 0. */
  readonly inv: Float64Array;
  /** r_i². */
  readonly r2: Float64Array;
  /** η_s of every basis row (the screen writes them here). */
  readonly eta: Float64Array;
  /** The helper's bounds (its starting values are written here before {@link start}). */
  readonly bound: Float64Array;
  private readonly hs: Int32Array;
  private readonly ver: Int32Array;
  private readonly bits: Int32Array;
  private readonly value = new Float64Array(1);
  private readonly valueBits = new Int32Array(this.value.buffer);
  private readonly job: DppHelperJob;

  /**
   * @param helper the thread
   * @param memory the shared memory the regions lie in
   * @param module the kernel module compiled for that shared memory
   * @param layout the regions ({@link dppHelperLayout})
   */
  constructor(helper: HelperThread, memory: { buffer: ArrayBufferLike }, module: object, layout: DppHelperJob) {
    super(helper, memory, module);
    const buffer = memory.buffer;
    const { n, steps } = layout;
    this.job = { ...layout, id: this.id };
    this.heap = new Int32Array(buffer, layout.heapAt, n);
    this.hs = new Int32Array(buffer, layout.hsAt, n);
    this.ver = new Int32Array(buffer, layout.verAt, n);
    this.bound = new Float64Array(buffer, layout.hbAt, n);
    this.bits = new Int32Array(buffer, layout.hbAt, 2 * n);
    this.inv = new Float64Array(buffer, layout.invAt, n);
    this.r2 = new Float64Array(buffer, layout.r2At, n);
    this.eta = new Float64Array(buffer, layout.etaAt, steps);
    this.hs.fill(0);
    this.ver.fill(0);
  }

  /** Hands the job to the helper (the views filled). */
  start(): void {
    this.post('dpp', this.job);
  }

  /** Lets the helper use basis rows 0 … limit − 1 (their η written). */
  publish(limit: number): void {
    if (!this.posted) return;
    Atomics.store(this.ctl, HELPER_CTL.limit, limit);
    Atomics.notify(this.ctl, HELPER_CTL.limit);
  }

  /** Step the helper's bound of token i covers last read by {@link take}. */
  takenStep = 0;

  /**
   * The helper's bound of token i's d² when it covers more than `screened` steps and lies below
   * `key` (its step in {@link takenStep}), else undefined — read under the token's version, so
   * the bound and its step belong together.
   */
  take(i: number, screened: number, key: number): number | undefined {
    const { ver, hs, bits, valueBits } = this;
    const before = Atomics.load(ver, i);
    if (before & 1) return undefined;
    const step = Atomics.load(hs, i);
    if (step <= screened) return undefined;
    valueBits[0] = Atomics.load(bits, 2 * i);
    valueBits[1] = Atomics.load(bits, 2 * i + 1);
    if (Atomics.load(ver, i) !== before || !(this.value[0] < key)) return undefined;
    this.takenStep = step;
    return this.value[0];
  }

  /** Token screens the helper made (diagnostic). */
  get screens(): number {
    return Atomics.load(this.ctl, HELPER_CTL.screens);
  }
}

/** Rounds a byte count up to 8. */
function align8(bytes: number): number {
  return Math.ceil(bytes / 8) * 8;
}
