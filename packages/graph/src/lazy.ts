import type { Layout, Matrix } from '@d2pruner/core';
import { edgeRuleOf, isEdge, shapeOf, type EdgeRule, type EdgeRuleShape } from './edge-rule.js';
import { ScreenedRoundCheck } from './round-check.js';
import { LazyCosine, type LazyCosineOptions } from './similarity.js';
import { SpatialIndex } from './spatial.js';
import type { TakenSet } from './taken.js';

/** Round checks with at least this many members run screened and ordered (`ScreenedRoundCheck`). */
const SCREEN_MIN = 2;

/**
 * The hybrid graph in lazy form (docs/algorithm.md §4): no adjacency is built; `conflicts(v, taken)`
 * tests v only against the current round's picks, and when the rule rules out non-adjacent
 * edges, only against v's spatial neighbours. Cosines are computed on demand.
 */
export class LazyGraph {
  private readonly shape: EdgeRuleShape;
  private readonly window: number;
  /** The edge rule (its three fields, in one object shape: {@link edgeRuleOf}). */
  readonly rule: EdgeRule;
  /** Shared cosine cache (exposes the dot-product counter). */
  readonly cosine: LazyCosine;
  /** Cell lookup for the layout. */
  readonly spatial: SpatialIndex;

  /**
   * @param features H [N, D]
   * @param layout validated layout of the N tokens
   * @param rule the edge rule (validated by the caller)
   * @param options similarity options (SIMD on or off)
   */
  constructor(
    features: Matrix,
    layout: Layout,
    rule: EdgeRule,
    options: LazyCosineOptions = {},
  ) {
    this.rule = edgeRuleOf(rule);
    this.cosine = new LazyCosine(features, options);
    this.spatial = new SpatialIndex(layout);
    this.shape = shapeOf(rule);
    this.window = SpatialIndex.windowSize(rule.radius);
    this.roundCheck = new ScreenedRoundCheck(this.cosine, this.spatial, this.rule, (i, j) => this.hasEdge(i, j));
  }

  private readonly roundCheck: ScreenedRoundCheck;

  /** Round checks the triangle bound answered without a dot product (see `ScreenedRoundCheck`). */
  get impliedChecks(): number {
    return this.roundCheck.implied;
  }

  /** Returns pooled WebAssembly memory of the similarity cache (the graph stays usable). */
  release(): void {
    this.cosine.release();
  }

  /** Whether tokens i and j are joined by an edge. */
  hasEdge(i: number, j: number): boolean {
    if (i === j) return false;
    const spat = this.spatial.adjacent(i, j, this.rule.radius);
    if (spat === 0 && !this.shape.nonSpatialPossible) return false;
    if (spat === 1 && this.shape.adjacentAlwaysEdge) return true;
    const cos = spat === 1 && this.shape.cosineUnused ? 0 : this.cosine.cos(i, j);
    return isEdge(this.rule, cos, spat);
  }

  /** True when `v` has an edge to some member of `taken`. */
  conflicts(v: number, taken: TakenSet): boolean {
    const members = taken.members;
    if (this.shape.nonSpatialPossible && members.length >= SCREEN_MIN) return this.roundCheck.conflicts(v, members);
    if (this.shape.nonSpatialPossible || members.length < this.window) {
      for (let k = 0; k < members.length; k++) if (this.hasEdge(v, members[k])) return true;
      return false;
    }
    return this.spatial.someNeighbour(v, this.rule.radius, (u) => taken.has(u) && this.hasEdge(v, u));
  }
}
