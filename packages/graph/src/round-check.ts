import { isEdge, type EdgeRule } from './edge-rule.js';
import type { LazyCosine } from './similarity.js';
import type { SpatialIndex } from './spatial.js';

/** Members per screened block (early exit between blocks). */
const CHUNK = 2;

/**
 * The MIS round check "does v have an edge to a member of this round?" for rules where any two
 * tokens may be joined (alpha·cos can exceed theta), as the lazy graph asks it many times a round.
 *
 * - **Screened**: float32 SIMD cosines ({@link LazyCosine.screen}) decide each pair at both
 *   ends of their rounding bound; a pair whose ends disagree (a cosine within ~1e-5 of the
 *   threshold) is recomputed in double precision by `exact`. The rule is monotone in cos, so
 *   the decision equals the exact one.
 * - **Ordered**: the answer does not depend on the order the members are tried in, so the
 *   likeliest blocker goes first: the member that inherits v's blocker of the previous round
 *   (taken while blocked by the same token, so most likely from v's region), then the members
 *   move-to-front. On images with large uniform regions most candidates cost one dot.
 */
export class ScreenedRoundCheck {
  private readonly screened = new Float64Array(CHUNK);
  private readonly order: number[] = [];
  private readonly one = [0];
  private readonly blocker: Int32Array;
  private readonly heir: Int32Array;
  private readonly heirRound: Int32Array;
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

  /** The edge decision for (v, u) given its screened cosine c (NaN: unknown). */
  private decide(v: number, u: number, c: number, screened: boolean): boolean {
    if (u === v) return false;
    const spat = this.spatial.adjacent(v, u, this.rule.radius);
    const bound = this.cosine.screenBound;
    if (c === c && isEdge(this.rule, c - bound, spat)) return true;
    if (c === c && !isEdge(this.rule, c + bound, spat)) return false;
    if (screened) this.cosine.rechecks++;
    return this.exact(v, u);
  }

  /** True when v has an edge to some member of the round. */
  conflicts(v: number, members: readonly number[]): boolean {
    this.sync(members);
    const { order, screened } = this;
    const b = this.blocker[v];
    const first = b >= 0 && this.heirRound[b] === this.round ? this.heir[b] : -1;
    if (first >= 0) {
      this.one[0] = first;
      const fast = this.cosine.screen(v, this.one, 0, 1, screened);
      if (this.decide(v, first, fast ? screened[0] : NaN, fast)) {
        this.blocker[v] = first;
        return true;
      }
    }
    for (let from = 0; from < order.length; from += CHUNK) {
      const count = Math.min(CHUNK, order.length - from);
      const fast = this.cosine.screen(v, order, from, count, screened);
      for (let k = 0; k < count; k++) {
        const u = order[from + k];
        if (u === first || !this.decide(v, u, fast ? screened[k] : NaN, fast)) continue;
        this.blocker[v] = u;
        if (from + k > 0) {
          order.splice(from + k, 1);
          order.unshift(u);
        }
        return true;
      }
    }
    return false;
  }
}
