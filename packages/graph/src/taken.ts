/**
 * The vertices taken in the current MIS round, as a graph sees them: pick order plus O(1)
 * membership. `@d2pruner/mis`'s `RoundSet` satisfies it.
 */
export interface TakenSet {
  /** Taken vertices in pick order. */
  readonly members: readonly number[];
  /** True when `v` is taken in the current round. */
  has(v: number): boolean;
}
