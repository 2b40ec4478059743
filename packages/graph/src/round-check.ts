import { isEdge, type EdgeRule } from './edge-rule.js';
import type { LazyCosine } from './similarity.js';
import type { SpatialIndex } from './spatial.js';

/** Members per screened block (early exit between blocks). */
const CHUNK = 2;

/** Largest angle sum the triangle bound uses (beyond it the bound says nothing useful). */
const MAX_ANGLE = Math.PI / 2;

/**
 * The MIS round check "does v have an edge to a member of this round?" for rules where any two
 * tokens may be joined (alpha·cos can exceed theta), as the lazy graph asks it many times a round.
 *
 * - **Screened in two tiers**: int16 cosines ({@link LazyCosine.screenCoarse}, bound ~10⁻³,
 *   half the memory traffic) decide each pair at both ends of their bound; a pair whose ends
 *   disagree goes to the float32 screen ({@link LazyCosine.screen}, bound ~10⁻⁵), and one still
 *   undecided is recomputed in double precision by `exact`. The rule is monotone in cos, so the
 *   decision equals the exact one.
 * - **Ordered**: the answer does not depend on the order the members are tried in, so the
 *   likeliest blocker goes first: the member that inherits v's blocker of the previous round
 *   (taken while blocked by the same token, so most likely from v's region), then the members
 *   move-to-front. On images with large uniform regions most candidates cost one dot.
 * - **Implied by the triangle inequality**: the angle between unit rows is a metric, so when v
 *   was blocked last round by b (cosine ≥ c_v) and this round's member u was blocked by the same
 *   b (cosine ≥ c_u), cos(v, u) ≥ cos(acos c_v + acos c_u). When that lower bound (less a slack
 *   for double rounding) already makes an edge, v is blocked with no dot product at all — the
 *   common case inside a uniform region, round after round.
 */
export class ScreenedRoundCheck {
  private readonly screened = new Float64Array(CHUNK);
  private readonly bounds = new Float64Array(CHUNK);
  private readonly fine = new Float64Array(1);
  private readonly order: number[] = [];
  private readonly one = [0];
  private readonly blocker: Int32Array;
  private readonly heir: Int32Array;
  private readonly heirRound: Int32Array;
  /** Upper bound of the true angle between v and blocker[v] (NaN: unknown). */
  private readonly blockerAngle: Float64Array;
  /** The lower bound behind the last edge {@link decide} found (NaN when decided exactly). */
  private lastLower = NaN;
  private readonly slack: number;
  /** False when alpha = 1: (1 − alpha)·spat is then 0 whatever spat is, so adjacency is not looked up. */
  private readonly spatialMatters: boolean;
  /** Round checks answered by the triangle bound alone (work counter for benchmarks). */
  implied = 0;
  private round = 0;
  private known = 0;
  private firstMember = -1;
  private synced: readonly number[] | undefined;

  /**
   * @param cosine the graph's cosine cache
   * @param spatial the graph's cell lookup
   * @param rule the edge rule
   * @param exact the exact pair test (the graph's `hasEdge`)
   */
  constructor(
    private readonly cosine: LazyCosine,
    private readonly spatial: SpatialIndex,
    private readonly rule: EdgeRule,
    private readonly exact: (i: number, j: number) => boolean,
  ) {
    const n = cosine.features.rows;
    this.blocker = new Int32Array(n).fill(-1);
    this.heir = new Int32Array(n).fill(-1);
    this.heirRound = new Int32Array(n);
    this.blockerAngle = new Float64Array(n).fill(NaN);
    this.slack = (cosine.features.cols + 8) * 2 ** -52 + 1e-14;
    this.spatialMatters = rule.alpha !== 1;
  }

  /** A lower bound of cos(v, u) through v's and u's common blocker (NaN when there is none). */
  private impliedCos(v: number, u: number): number {
    const angle = this.blockerAngle[v] + this.blockerAngle[u];
    return angle < MAX_ANGLE ? Math.cos(angle) - this.slack : NaN;
  }

  /** Records u as v's blocker, with a lower bound of their true cosine (NaN: unknown). */
  private block(v: number, u: number, lower: number): true {
    this.blocker[v] = u;
    this.blockerAngle[v] = lower > 0 ? Math.acos(Math.min(1, lower)) : NaN;
    return true;
  }

  /**
   * Follows the round's members. Within a round they only grow; another list, a shorter one
   * or another first member (a token is taken once) starts a new round.
   */
  private sync(members: readonly number[]): void {
    if (members !== this.synced || members.length < this.known || (this.known > 0 && members[0] !== this.firstMember)) {
      this.synced = members;
      this.order.length = 0;
      this.known = 0;
      this.round++;
    }
    for (let k = this.known; k < members.length; k++) {
      const w = members[k];
      this.order.push(w);
      const b = this.blocker[w];
      if (b >= 0 && this.heirRound[b] !== this.round) {
        this.heir[b] = w;
        this.heirRound[b] = this.round;
      }
    }
    this.known = members.length;
    this.firstMember = members[0];
  }

  /**
   * Screens v against `list[from … from+count)` into {@link screened} / {@link bounds}: int16
   * first, float32 when that is unavailable. Returns the tier (2 coarse, 1 float32, 0 none).
   */
  private screen(v: number, list: ArrayLike<number>, from: number, count: number): number {
    if (this.cosine.screenCoarse(v, list, from, count, this.screened, this.bounds)) return 2;
    if (!this.cosine.screen(v, list, from, count, this.screened)) return 0;
    this.bounds.fill(this.cosine.screenBound);
    return 1;
  }

  /** The edge decision for (v, u) given a screened cosine c within ±bound (NaN: unknown) of the given tier. */
  private decide(v: number, u: number, c: number, bound: number, tier: number): boolean {
    if (u === v) return false;
    const spat = this.spatialMatters ? this.spatial.adjacent(v, u, this.rule.radius) : 0;
    return this.decideAt(v, u, spat, c, bound, tier);
  }

  private decideAt(v: number, u: number, spat: 0 | 1, c: number, bound: number, tier: number): boolean {
    this.lastLower = NaN;
    if (c === c && isEdge(this.rule, c - bound, spat)) {
      this.lastLower = c - bound - this.slack;
      return true;
    }
    if (c === c && !isEdge(this.rule, c + bound, spat)) return false;
    if (tier === 2) {
      this.cosine.refines++;
      this.one[0] = u;
      const fine = this.cosine.screen(v, this.one, 0, 1, this.fine);
      return this.decideAt(v, u, spat, fine ? this.fine[0] : NaN, this.cosine.screenBound, fine ? 1 : 0);
    }
    if (tier === 1) this.cosine.rechecks++;
    return this.exact(v, u);
  }

  /** True when v has an edge to some member of the round. */
  conflicts(v: number, members: readonly number[]): boolean {
    this.sync(members);
    const { order, screened } = this;
    const b = this.blocker[v];
    const first = b >= 0 && this.heirRound[b] === this.round ? this.heir[b] : -1;
    if (first >= 0) {
      const implied = this.impliedCos(v, first);
      if (implied === implied && isEdge(this.rule, implied, this.spatialMatters ? this.spatial.adjacent(v, first, this.rule.radius) : 0)) {
        this.implied++;
        this.blocker[v] = first;
        this.blockerAngle[v] = this.blockerAngle[v] + this.blockerAngle[first];
        return true;
      }
      this.one[0] = first;
      const tier = this.screen(v, this.one, 0, 1);
      if (this.decide(v, first, tier ? screened[0] : NaN, this.bounds[0], tier)) return this.block(v, first, this.lastLower);
    }
    for (let from = 0; from < order.length; from += CHUNK) {
      const count = Math.min(CHUNK, order.length - from);
      const tier = this.screen(v, order, from, count);
      for (let k = 0; k < count; k++) {
        const u = order[from + k];
        if (u === first || !this.decide(v, u, tier ? screened[k] : NaN, this.bounds[k], tier)) continue;
        // move to front: only the members before u shift (splice + unshift moved the whole list twice)
        for (let j = from + k; j > 0; j--) order[j] = order[j - 1];
        order[0] = u;
        return this.block(v, u, this.lastLower);
      }
    }
    return false;
  }
}
