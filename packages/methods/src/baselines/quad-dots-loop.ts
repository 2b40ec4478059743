import type { SeqPairDotKernels, seqPairDotsF32 } from '@d2pruner/kernels';

/**
 * Byte offsets of one shared all-pairs build (VisPruner's neighbour lists) in the shared kernel
 * memory, posted to the helper thread with the job: groups of four rows, each group's float32
 * dots with every row from its first partner on.
 */
export interface QuadDotsJob {
  /** Job id: the phase word (control index 2 at byte 0) holds id·4 + phase, as for every helper job. */
  id: number;
  /** Groups. */
  groups: number;
  /** Rows of the matrix. */
  rows: number;
  /** Floats per row (padded). */
  stride: number;
  /** Float32 rows (stride floats apart), row 0 first. */
  rowsAt: number;
  /** The four row ids of each group (Int32, 4 per group; repeats allowed). */
  quadAt: number;
  /** Each group's first partner row j0 (Int32). */
  firstAt: number;
  /** Byte offset of each group's output (Int32): 4 floats per row j0 … rows − 1. */
  outAt: number;
  /** Each group's state (Int32): 0 free, 1 taken, 2 done. */
  stateAt: number;
}

/**
 * Computes group g of a {@link QuadDotsJob}: dots of its four rows with rows j0 … rows − 1, two
 * rows at a time through `seqPairDots` (`seqPairDotsF32` of the kernels: four rows per pass,
 * then the last 1–3), out[4r + p] for row j0 + r and quad row p. Self-contained (the helper runs
 * its source text, with `seqPairDots` from theirs).
 */
export function computeQuadGroup(kernels: SeqPairDotKernels, buffer: ArrayBufferLike, job: QuadDotsJob, g: number, seqPairDots: typeof seqPairDotsF32): void {
  const quad = new Int32Array(buffer, job.quadAt + 16 * g, 4);
  const j0 = new Int32Array(buffer, job.firstAt, job.groups)[g];
  const out = new Int32Array(buffer, job.outAt, job.groups)[g];
  const rowBytes = job.stride * 4;
  for (let h = 0; h < 2; h++) {
    const a = job.rowsAt + quad[2 * h] * rowBytes;
    const b = job.rowsAt + quad[2 * h + 1] * rowBytes;
    seqPairDots(kernels, a, b, job.rowsAt + j0 * rowBytes, job.rows - j0, job.stride, out + 8 * h, 4);
  }
}

/**
 * The helper's side of a {@link QuadDotsJob}: claims groups from the last one down (the main
 * thread claims from the first one up, computing or waiting for each in order), computes each
 * (`compute`: {@link computeQuadGroup}, with `seqPairDots`), marks it done, and stops at the
 * first group the main thread has claimed, or at the stop flag. Self-contained (the helper runs
 * its source text).
 */
export function runQuadDotsJob(kernels: SeqPairDotKernels, buffer: ArrayBufferLike, job: QuadDotsJob, compute: typeof computeQuadGroup, seqPairDots: typeof seqPairDotsF32): void {
  const CTL_STOP = 1;
  const CTL_PHASE = 2;
  // the control words (HELPER_CTL) at HELPER_CTL_AT = 0 of every helper job's memory
  const ctl = new Int32Array(buffer, 0, 4);
  if (Atomics.compareExchange(ctl, CTL_PHASE, job.id * 4, job.id * 4 + 1) !== job.id * 4) return;
  const state = new Int32Array(buffer, job.stateAt, job.groups);
  for (let g = job.groups - 1; g >= 0; g--) {
    if (Atomics.load(ctl, CTL_STOP) !== 0 || Atomics.compareExchange(state, g, 0, 1) !== 0) break;
    compute(kernels, buffer, job, g, seqPairDots);
    Atomics.store(state, g, 2);
    Atomics.notify(state, g);
  }
  Atomics.store(ctl, CTL_PHASE, job.id * 4 + 2);
  Atomics.notify(ctl, CTL_PHASE);
}
