import type { SeqDotKernels, SeqPairDotKernels, seqDotsF32, seqPairDotsF32 } from '@d2pruner/kernels';
import type { screenFallSum } from './dpp-fall-sum.js';

/**
 * Byte offsets and sizes of one CDPruner request's screen-helper regions in the shared kernel
 * memory (all 8-aligned), posted to the helper thread with the job.
 */
export interface DppHelperJob {
  /** Job id: the phase word holds id·4 + phase (0 posted, 1 running, 2 done or cancelled). */
  id: number;
  /** Tokens. */
  n: number;
  /** Floats per row (padded). */
  stride: number;
  /** Basis rows at most. */
  steps: number;
  /** The main thread's heap: token per heap position (Int32, n). */
  heapAt: number;
  /** Steps the helper's bound of each token covers (Int32, n). */
  hsAt: number;
  /** Per-token version: odd while the helper rewrites that token's bound (Int32, n). */
  verAt: number;
  /** The helper's bound of each token's d², as two Int32 halves of a double (n doubles). */
  hbAt: number;
  /** 1/‖h_i‖ where the token can be screened, else 0 (Float64, n). */
  invAt: number;
  /** r_i² (Float64, n). */
  r2At: number;
  /** η_s of every basis row (Float64, steps). */
  etaAt: number;
  /** Float32 basis rows (stride floats apart). */
  basisAt: number;
  /** Float32 token rows (stride floats apart). */
  rowsAt: number;
  /** The helper's own dot output (2·steps floats). */
  outAt: number;
}

/** The kernel exports the helper calls (see `DotExports`). */
type HelperKernels = SeqDotKernels & SeqPairDotKernels;

/**
 * The functions {@link runDppHelperJob} shares with the main thread's screen, passed in because
 * the helper runs their source text (each self-contained): the tiled dot dispatch of one row or
 * of two, and the bound's sum.
 */
export interface DppHelperOps {
  /** `seqDotsF32` (kernels). */
  seqDots: typeof seqDotsF32;
  /** `seqPairDotsF32` (kernels). */
  seqPairDots: typeof seqPairDotsF32;
  /** {@link screenFallSum}. */
  fallSum: typeof screenFallSum;
}

/**
 * Runs one job of the screen helper on `kernels` (instantiated on the job's shared memory): keeps
 * lowering its own upper bounds of the d² of the tokens near the top of the main thread's heap
 * with the float32 screen over the published basis rows — the same bound as the main thread's
 * screen (`DppScreen.fall`: Σ (|dot|·‖h_i‖⁻¹ − η_s)₊², times r_i², subtracted from a bound) —
 * and publishes each (bound, step) under a per-token version, until the stop flag. Reads of the
 * heap are hints only (the main thread moves it meanwhile); a bound it writes is valid whatever
 * it read. Self-contained (no outer names; the shared functions come in `ops`): the worker runs
 * its source text.
 */
export function runDppHelperJob(kernels: HelperKernels, buffer: ArrayBufferLike, job: DppHelperJob, ops: DppHelperOps): void {
  const CTL_LIMIT = 0;
  const CTL_STOP = 1;
  const CTL_PHASE = 2;
  const CTL_SCREENS = 3;
  const { n, stride, steps } = job;
  // the control words (HELPER_CTL) at HELPER_CTL_AT = 0 of every helper job's memory
  const ctl = new Int32Array(buffer, 0, 4);
  if (Atomics.compareExchange(ctl, CTL_PHASE, job.id * 4, job.id * 4 + 1) !== job.id * 4) return;
  const heap = new Int32Array(buffer, job.heapAt, n);
  const hs = new Int32Array(buffer, job.hsAt, n);
  const ver = new Int32Array(buffer, job.verAt, n);
  const hbBits = new Int32Array(buffer, job.hbAt, 2 * n);
  const hb = new Float64Array(buffer, job.hbAt, n);
  const inv = new Float64Array(buffer, job.invAt, n);
  const r2 = new Float64Array(buffer, job.r2At, n);
  const eta = new Float64Array(buffer, job.etaAt, steps);
  const dots = new Float32Array(buffer, job.outAt, 2 * steps);
  const bits = new Int32Array(2);
  const value = new Float64Array(bits.buffer);
  const rowBytes = stride * 4;
  const row = (i: number) => job.rowsAt + i * rowBytes;
  const basis = (s: number) => job.basisAt + s * rowBytes;
  const sum = (from: number, count: number, invNorm: number, at: number, step: number) => ops.fallSum(dots, eta, from, count, invNorm, at, step);
  const fall = (i: number, from: number, upto: number) => {
    const count = upto - from;
    if (count <= 0) return 0;
    ops.seqDots(kernels, row(i), basis(from), count, stride, job.outAt);
    return sum(from, count, inv[i], 0, 1);
  };
  const publish = (i: number, bound: number, upto: number) => {
    value[0] = bound;
    Atomics.add(ver, i, 1);
    Atomics.store(hbBits, 2 * i, bits[0]);
    Atomics.store(hbBits, 2 * i + 1, bits[1]);
    Atomics.store(hs, i, upto);
    Atomics.add(ver, i, 1);
    Atomics.add(ctl, CTL_SCREENS, 1);
  };
  const one = (i: number, upto: number) => publish(i, hb[i] - r2[i] * fall(i, hs[i], upto), upto);
  const pair = (a: number, b: number, upto: number) => {
    const common = Math.max(hs[a], hs[b]);
    const aheadA = fall(a, hs[a], common);
    const aheadB = fall(b, hs[b], common);
    const count = upto - common;
    ops.seqPairDots(kernels, row(a), row(b), basis(common), count, stride, job.outAt, 2);
    const [fa, fb] = [sum(common, count, inv[a], 0, 2), sum(common, count, inv[b], 1, 2)];
    publish(a, hb[a] - r2[a] * (aheadA + fa), upto);
    publish(b, hb[b] - r2[b] * (aheadB + fb), upto);
  };
  let reach = Math.min(n, 64);
  while (Atomics.load(ctl, CTL_STOP) === 0) {
    const limit = Atomics.load(ctl, CTL_LIMIT);
    let done = 0;
    let waiting = -1;
    for (let p = 0; p < reach; p++) {
      const i = heap[p];
      if (i < 0 || i >= n || inv[i] === 0 || hs[i] >= limit) continue;
      if (waiting < 0) {
        waiting = i;
        continue;
      }
      if (waiting !== i) pair(waiting, i, limit);
      waiting = -1;
      done += 2;
      if (Atomics.load(ctl, CTL_STOP) !== 0) break;
    }
    if (waiting >= 0) {
      one(waiting, limit);
      done++;
    }
    if (done === 0) {
      if (reach < n) reach = Math.min(n, 2 * reach);
      else Atomics.wait(ctl, CTL_LIMIT, limit, 2);
    } else if (reach > 64 && done > 256) reach = Math.max(64, reach >> 1);
  }
  Atomics.store(ctl, CTL_PHASE, job.id * 4 + 2);
  Atomics.notify(ctl, CTL_PHASE);
}
