import type { HelperThread } from '@d2pruner/core';
import { seqDotsF32, seqPairDotsF32 } from '@d2pruner/kernels';
import { screenFallSum } from './dpp-fall-sum.js';
import { runDppHelperJob } from './dpp-helper-loop.js';
import { computeQuadGroup, runQuadDotsJob } from './quad-dots-loop.js';

/**
 * Byte offset of the control words (4 Int32: published steps, stop flag, phase word, helper
 * screens) in every shared memory a helper job uses: the same for all jobs, so that a job posted
 * and cancelled before the helper saw it, found later in the helper's queue, compares its own id
 * with the current job's and leaves (never reading the current job's regions with its own
 * layout). Callers keep the first 16 bytes of the memory free.
 */
export const HELPER_CTL_AT = 0;

/** Indices of the control words. */
export const HELPER_CTL = { limit: 0, stop: 1, phase: 2, screens: 3 } as const;

/** Longest wait for the helper to leave a stopped job (it checks the flag between units of work, within microseconds); past it the memory is not reused. */
const STOP_WAIT_MS = 250;

/** Ids of helper jobs, shared by every kind: each job's phase word starts at id·4 (ids stay below 2²⁹). */
let nextJobId = 1;

/**
 * The source text a helper thread runs (Node `worker_threads`, `eval: true`): for each posted
 * message `{ kind, module, memory, job }` it instantiates the kernel module on the shared memory
 * and runs the job — `dpp` (CDPruner's screen, `runDppHelperJob`) or `quads` (an all-pairs float32
 * build, `runQuadDotsJob`) — until the job is done or stopped. Hosts start it with
 * `new Worker(helperWorkerSource(), { eval: true })` and post through a {@link HelperThread}.
 */
export function helperWorkerSource(): string {
  return [
    "'use strict';",
    "const { parentPort } = require('node:worker_threads');",
    `const runDpp = ${runDppHelperJob.toString()};`,
    `const runQuads = ${runQuadDotsJob.toString()};`,
    `const computeQuad = ${computeQuadGroup.toString()};`,
    `const seqPairDots = (${seqPairDotsF32.toString()});`,
    `const dppOps = { seqDots: (${seqDotsF32.toString()}), seqPairDots, fallSum: (${screenFallSum.toString()}) };`,
    'parentPort.on("message", (m) => {',
    '  const kernels = new WebAssembly.Instance(m.module, { env: { mem: m.memory } }).exports;',
    '  if (m.kind === "dpp") runDpp(kernels, m.memory.buffer, m.job, dppOps);',
    '  else if (m.kind === "quads") runQuads(kernels, m.memory.buffer, m.job, computeQuad, seqPairDots);',
    '});',
  ].join('\n');
}

/**
 * One job of a helper thread on a shared memory, the main thread's side: its id and control
 * words, the post that starts it, and {@link finish}, which stops the helper and waits until it
 * has left before the memory is reused.
 */
export class HelperJob {
  /** This job's id. */
  readonly id: number;
  /** The control words ({@link HELPER_CTL}). */
  protected readonly ctl: Int32Array;
  private started = false;

  /**
   * @param helper the thread
   * @param memory the shared memory of the job
   * @param module the kernel module compiled for that shared memory
   */
  constructor(
    private readonly helper: HelperThread,
    private readonly memory: { buffer: ArrayBufferLike },
    private readonly module: object,
  ) {
    this.id = nextJobId;
    nextJobId = (nextJobId % (1 << 28)) + 1;
    this.ctl = new Int32Array(memory.buffer, HELPER_CTL_AT, 4);
    this.ctl.fill(0);
    this.ctl[HELPER_CTL.phase] = this.id * 4;
  }

  /** Whether the job was handed to the helper. */
  get posted(): boolean {
    return this.started;
  }

  /** Hands the job (`kind`, its layout) to the helper. */
  protected post(kind: string, job: object): void {
    this.started = true;
    this.helper.post({ kind, module: this.module, memory: this.memory, job });
  }

  /**
   * Stops the helper and waits until it has left the job; true when the memory may be reused
   * (the helper never started, or it left within {@link STOP_WAIT_MS}).
   */
  finish(): boolean {
    const { ctl } = this;
    Atomics.store(ctl, HELPER_CTL.stop, 1);
    Atomics.notify(ctl, HELPER_CTL.limit);
    const posted = this.id * 4;
    if (!this.started || Atomics.compareExchange(ctl, HELPER_CTL.phase, posted, posted + 2) === posted) return true;
    const deadline = performance.now() + STOP_WAIT_MS;
    while (Atomics.load(ctl, HELPER_CTL.phase) === posted + 1) {
      const left = deadline - performance.now();
      if (left <= 0) return false;
      waitWhile(ctl, HELPER_CTL.phase, posted + 1, left);
    }
    return true;
  }
}

/** Waits while cells[index] = value, up to `ms`: `Atomics.wait`, or a short spin where this thread may not block (a browser's main thread). */
export function waitWhile(cells: Int32Array, index: number, value: number, ms: number): void {
  try {
    Atomics.wait(cells, index, value, ms);
  } catch {
    const until = performance.now() + Math.min(ms, 1);
    while (Atomics.load(cells, index) === value && performance.now() < until);
  }
}
