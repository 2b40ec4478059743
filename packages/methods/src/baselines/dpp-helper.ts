import type { HelperThread } from '@d2pruner/core';
import { HELPER_CTL, runDppHelperJob, type DppHelperJob } from './dpp-helper-loop.js';

/** Longest wait for the helper to leave a stopped job (it checks the flag between tokens, within microseconds); past it the memory is not reused. */
const STOP_WAIT_MS = 250;

/** Ids of helper jobs: each job's phase word starts at id·4 (ids stay below 2²⁹). */
let nextJobId = 1;

/**
 * The source text a helper thread runs (Node `worker_threads`, `eval: true`): for each posted job
 * `{ module, memory, job }` it instantiates the kernel module on the shared memory and runs
 * {@link runDppHelperJob} until the job is stopped. Hosts start it with
 * `new Worker(dppHelperWorkerSource(), { eval: true })` and post through {@link HelperThread}.
 */
export function dppHelperWorkerSource(): string {
  return [
    "'use strict';",
    "const { parentPort } = require('node:worker_threads');",
    `const runJob = ${runDppHelperJob.toString()};`,
    'parentPort.on("message", (m) => {',
    '  const kernels = new WebAssembly.Instance(m.module, { env: { mem: m.memory } }).exports;',
    '  runJob(kernels, m.memory.buffer, m.job);',
    '});',
  ].join('\n');
}

/** Byte size of the helper regions of a request of `n` tokens and `steps` basis rows, besides the control words (see {@link dppHelperLayout}). */
export function dppHelperBytes(n: number, steps: number): number {
  return 3 * align8(4 * n) + 3 * 8 * n + 8 * steps + 8 * steps + 64;
}

/**
 * Byte offset of the control words in every shared memory a helper job uses: the same for all
 * jobs, so that a job posted and cancelled before the helper saw it, found later in the
 * helper's queue, compares its own id with the current job's and leaves (never reading the
 * current job's regions with its own layout).
 */
export const DPP_HELPER_CTL_AT = 0;

/**
 * The helper regions of one request: the control words at {@link DPP_HELPER_CTL_AT} (the caller
 * keeps its first 16 bytes free), the rest from byte offset `at` (16-aligned;
 * {@link dppHelperBytes} long), with the regions of the main thread's screen it reads
 * (`basisAt`, `rowsAt`).
 */
export function dppHelperLayout(at: number, n: number, steps: number, stride: number, basisAt: number, rowsAt: number): DppHelperJob {
  const ctlAt = DPP_HELPER_CTL_AT;
  const heapAt = at;
  const hsAt = heapAt + align8(4 * n);
  const verAt = hsAt + align8(4 * n);
  const hbAt = verAt + align8(4 * n);
  const invAt = hbAt + 8 * n;
  const r2At = invAt + 8 * n;
  const etaAt = r2At + 8 * n;
  const outAt = etaAt + 8 * steps;
  return { id: 0, n, stride, steps, ctlAt, heapAt, hsAt, verAt, hbAt, invAt, r2At, etaAt, basisAt, rowsAt, outAt };
}

/**
 * The main thread's side of one CDPruner request with a screen helper: the shared views it
 * fills before {@link start} (the heap, each token's starting bound, 1/‖h_i‖, r_i²; η as the
 * screen adds basis rows), the publication of basis rows, the helper's bounds ({@link take}),
 * and {@link finish}, which stops the helper before the memory is reused.
 */
export class DppHelperRun {
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
  private readonly ctl: Int32Array;
  private readonly hs: Int32Array;
  private readonly ver: Int32Array;
  private readonly bits: Int32Array;
  private readonly value = new Float64Array(1);
  private readonly valueBits = new Int32Array(this.value.buffer);
  private readonly job: DppHelperJob;
  private started = false;

  /**
   * @param helper the thread
   * @param memory the shared memory the regions lie in
   * @param module the kernel module compiled for that shared memory
   * @param layout the regions ({@link dppHelperLayout})
   */
  constructor(
    private readonly helper: HelperThread,
    private readonly memory: { buffer: ArrayBufferLike },
    private readonly module: object,
    layout: DppHelperJob,
  ) {
    const buffer = memory.buffer;
    const { n, steps } = layout;
    this.job = { ...layout, id: nextJobId };
    nextJobId = (nextJobId % (1 << 28)) + 1;
    this.ctl = new Int32Array(buffer, layout.ctlAt, 4);
    this.heap = new Int32Array(buffer, layout.heapAt, n);
    this.hs = new Int32Array(buffer, layout.hsAt, n);
    this.ver = new Int32Array(buffer, layout.verAt, n);
    this.bound = new Float64Array(buffer, layout.hbAt, n);
    this.bits = new Int32Array(buffer, layout.hbAt, 2 * n);
    this.inv = new Float64Array(buffer, layout.invAt, n);
    this.r2 = new Float64Array(buffer, layout.r2At, n);
    this.eta = new Float64Array(buffer, layout.etaAt, steps);
    this.ctl.fill(0);
    this.hs.fill(0);
    this.ver.fill(0);
    this.ctl[HELPER_CTL.phase] = this.job.id * 4;
  }

  /** Hands the job to the helper (the views filled). */
  start(): void {
    this.started = true;
    this.helper.post({ module: this.module, memory: this.memory, job: this.job });
  }

  /** Lets the helper use basis rows 0 … limit − 1 (their η written). */
  publish(limit: number): void {
    if (!this.started) return;
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

  /**
   * Stops the helper and waits until it has left the job; true when the memory may be reused
   * (the helper never started, or it left within {@link STOP_WAIT_MS}).
   */
  finish(): boolean {
    const { ctl, job } = this;
    Atomics.store(ctl, HELPER_CTL.stop, 1);
    Atomics.notify(ctl, HELPER_CTL.limit);
    const posted = job.id * 4;
    if (!this.started || Atomics.compareExchange(ctl, HELPER_CTL.phase, posted, posted + 2) === posted) return true;
    const deadline = performance.now() + STOP_WAIT_MS;
    while (Atomics.load(ctl, HELPER_CTL.phase) === posted + 1) {
      const left = deadline - performance.now();
      if (left <= 0) return false;
      waitFor(ctl, HELPER_CTL.phase, posted + 1, left);
    }
    return true;
  }
}

/** Waits while ctl[index] = value, up to `ms`: `Atomics.wait`, or a short spin where this thread may not block (a browser's main thread). */
function waitFor(ctl: Int32Array, index: number, value: number, ms: number): void {
  try {
    Atomics.wait(ctl, index, value, ms);
  } catch {
    const until = performance.now() + Math.min(ms, 1);
    while (Atomics.load(ctl, index) === value && performance.now() < until);
  }
}

/** Rounds a byte count up to 8. */
function align8(bytes: number): number {
  return Math.ceil(bytes / 8) * 8;
}
