/**
 * A binary max-heap of token indices keyed by `keys[i]` (larger first, equal keys → lower index
 * first: the argmax rule of docs/baselines.md §1.2). Keys live outside the heap; a caller that
 * lowers the key of the top entry restores the order with {@link lowered}. This is the queue of
 * the lazy greedy loops: stale keys are upper bounds that only decrease.
 */
export class LazyMaxHeap {
  private readonly heap: Int32Array;
  private size: number;
  /** Heap position of the entry {@link runnerUp} returned last. */
  private second = 1;

  /** Heap of `members` (all unselected), ordered by `keys`; kept in `storage` when given (members.length entries, e.g. shared memory a helper thread reads). */
  constructor(
    private readonly keys: Float64Array,
    members: ArrayLike<number>,
    storage?: Int32Array,
  ) {
    this.heap = storage ? storage.subarray(0, members.length) : new Int32Array(members.length);
    this.heap.set(members);
    this.size = this.heap.length;
    for (let p = (this.size >> 1) - 1; p >= 0; p--) this.siftDown(p);
  }

  /** Entries left. */
  get length(): number {
    return this.size;
  }

  /** The index with the largest key (lowest index among equal keys); −1 when empty. */
  top(): number {
    return this.size > 0 ? this.heap[0] : -1;
  }

  /** Removes the top entry. */
  pop(): void {
    this.size--;
    if (this.size > 0) {
      this.heap[0] = this.heap[this.size];
      this.siftDown(0);
    }
  }

  /** Restores the order after the top entry's key was lowered. */
  lowered(): void {
    this.siftDown(0);
  }

  /** The entry with the largest key after the top (a child of the top); −1 when there is none. */
  runnerUp(): number {
    if (this.size < 2) return -1;
    this.second = this.size > 2 && this.above(this.heap[2], this.heap[1]) ? 2 : 1;
    return this.heap[this.second];
  }

  /**
   * Restores the order below the top after the key of the entry {@link runnerUp} returned was
   * lowered (call it before {@link lowered} when the top's key was lowered too).
   */
  loweredRunnerUp(): void {
    this.siftDown(this.second);
  }

  private above(a: number, b: number): boolean {
    const ka = this.keys[a];
    const kb = this.keys[b];
    return ka > kb || (ka === kb && a < b);
  }

  private siftDown(p: number): void {
    const { heap, size } = this;
    const item = heap[p];
    for (;;) {
      const l = 2 * p + 1;
      if (l >= size) break;
      const r = l + 1;
      const c = r < size && this.above(heap[r], heap[l]) ? r : l;
      if (!this.above(heap[c], item)) break;
      heap[p] = heap[c];
      p = c;
    }
    heap[p] = item;
  }
}
