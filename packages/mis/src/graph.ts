/**
 * The vertices taken in the current MIS round: a list in pick order plus O(1) membership.
 * Membership uses a round stamp per vertex, so starting a round costs O(1).
 */
export class RoundSet {
  private readonly stamp: Int32Array;
  private round = 0;
  /** Vertices taken in the current round, in pick order. */
  readonly members: number[] = [];

  /** @param size number of vertices (token indices are < size) */
  constructor(size: number) {
    this.stamp = new Int32Array(size);
  }

  /** Starts a new, empty round. */
  next(): void {
    this.round++;
    this.members.length = 0;
  }

  /** Adds a vertex to the current round. */
  add(v: number): void {
    this.stamp[v] = this.round;
    this.members.push(v);
  }

  /** True when `v` was taken in the current round. */
  has(v: number): boolean {
    return this.round > 0 && this.stamp[v] === this.round;
  }
}

/**
 * What the greedy MIS needs from a graph: whether a vertex has an edge to any vertex taken in the
 * current round. A lazy graph answers by testing only those pairs (docs/algorithm.md §4); a dense graph
 * by looking up its adjacency.
 */
export interface ConflictGraph {
  /** True when `v` has an edge to some member of `taken`. */
  conflicts(v: number, taken: RoundSet): boolean;
}
