import type { HelperThread } from '@d2pruner/core';
import { paddedCols, releaseSharedDotInstance, seqPairDotsF32, sharedDotInstance, sharedKernelModule, type DotExports } from '@d2pruner/kernels';
import { HELPER_CTL_AT, HelperJob, waitWhile } from './helper-job.js';
import { computeQuadGroup, type QuadDotsJob } from './quad-dots-loop.js';

/** Longest wait for a group the helper took; past it the main thread computes the group itself (a stalled or dead helper). */
const GROUP_WAIT_MS = 250;

/**
 * An all-pairs float32 build over a row subset shared with a helper thread: the rows are copied
 * into a shared memory, grouped in fours (ascending ids, as `NeighbourLists` builds), and each
 * group's dots with every row from its first partner on are computed by whichever thread claims
 * the group — the main thread from the first group up ({@link group}, in order), the helper from
 * the last one down — with the pair kernels of `SimdRowStore.dotsQuadF32`, so every value is the
 * same float32 dot whoever computes it. Without a helper that starts, the main thread computes
 * every group.
 */
export class QuadDotsRun extends HelperJob {
  private readonly state: Int32Array;
  private readonly first: Int32Array;
  private readonly out: Int32Array;
  /** Groups the helper computed (diagnostic). */
  byHelper = 0;

  private constructor(
    helper: HelperThread,
    private readonly wasm: DotExports,
    module: object,
    private readonly job: QuadDotsJob,
  ) {
    super(helper, wasm.mem, module);
    const buffer = wasm.mem.buffer;
    this.job = { ...job, id: this.id };
    this.state = new Int32Array(buffer, job.stateAt, job.groups).fill(0);
    this.first = new Int32Array(buffer, job.firstAt, job.groups);
    this.out = new Int32Array(buffer, job.outAt, job.groups);
  }

  /**
   * The run for the rows `sorted` (ascending) of `x` (rows × cols), or undefined where the runtime
   * shares no WebAssembly memory or the build would not fit one. `quads[4g + p]` are the rows of
   * group g (the last group repeats its last row).
   */
  static create(helper: HelperThread, x: Float32Array, rows: number, cols: number, sorted: Int32Array): QuadDotsRun | undefined {
    const module = sharedKernelModule();
    if (!module || sorted.length === 0) return undefined;
    const stride = paddedCols(cols);
    const groups = Math.ceil(sorted.length / 4);
    const quadAt = HELPER_CTL_AT + 16;
    const firstAt = quadAt + 16 * groups;
    const outAt = firstAt + 4 * groups;
    const stateAt = outAt + 4 * groups;
    const rowsAt = Math.ceil((stateAt + 4 * groups) / 16) * 16;
    // each group's first partner row and output offset (4 floats per row from it on)
    const firsts = Int32Array.from({ length: groups }, (_, g) => Math.min(rows, sorted[4 * g] + 1));
    const outs = new Int32Array(groups);
    let end = rowsAt + rows * stride * 4;
    for (let g = 0; g < groups; g++) {
      outs[g] = end;
      end += 16 * (rows - firsts[g]);
    }
    const wasm = sharedDotInstance(end);
    if (!wasm) return undefined;
    const buffer = wasm.mem.buffer;
    const quads = new Int32Array(buffer, quadAt, 4 * groups);
    new Int32Array(buffer, firstAt, groups).set(firsts);
    new Int32Array(buffer, outAt, groups).set(outs);
    for (let g = 0; g < groups; g++) {
      const size = Math.min(4, sorted.length - 4 * g);
      for (let p = 0; p < 4; p++) quads[4 * g + p] = sorted[4 * g + Math.min(p, size - 1)];
    }
    const heap = new Float32Array(buffer, rowsAt, rows * stride);
    if (stride === cols) heap.set(x.subarray(0, rows * cols));
    else for (let i = 0; i < rows; i++) heap.fill(0, i * stride + cols, (i + 1) * stride).set(x.subarray(i * cols, (i + 1) * cols), i * stride);
    const job: QuadDotsJob = { id: 0, groups, rows, stride, rowsAt, quadAt, firstAt, outAt, stateAt };
    return new QuadDotsRun(helper, wasm, module, job);
  }

  /** Groups of the build. */
  get groups(): number {
    return this.job.groups;
  }

  /** Hands the build to the helper. */
  start(): void {
    this.post('quads', this.job);
  }

  /**
   * Group g's dots (call for g = 0, 1, … in order): computed here when the helper has not taken
   * the group, else awaited (computed here after {@link GROUP_WAIT_MS}). Entry 4r + p is the dot
   * of the group's row p with row j0 + r, j0 = its first partner row ({@link firstOf}).
   */
  group(g: number): Float32Array {
    const { state, job } = this;
    if (Atomics.compareExchange(state, g, 0, 1) === 0) computeQuadGroup(this.wasm, this.wasm.mem.buffer, job, g, seqPairDotsF32);
    else {
      this.byHelper++;
      const deadline = performance.now() + GROUP_WAIT_MS;
      while (Atomics.load(state, g) !== 2) {
        const left = deadline - performance.now();
        if (left <= 0) {
          computeQuadGroup(this.wasm, this.wasm.mem.buffer, job, g, seqPairDotsF32);
          break;
        }
        waitWhile(state, g, 1, left);
      }
    }
    return new Float32Array(this.wasm.mem.buffer, this.out[g], 4 * (job.rows - this.first[g]));
  }

  /** Group g's first partner row j0. */
  firstOf(g: number): number {
    return this.first[g];
  }

  /** Stops the helper and gives the shared memory back once it has left. */
  release(): void {
    if (this.finish()) releaseSharedDotInstance(this.wasm);
  }
}
