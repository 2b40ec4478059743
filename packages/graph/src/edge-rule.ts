import { assertInRange, assertInteger, assertNumber } from '@d2pruner/core';
import { edgeRule } from '@d2pruner/kernels';

/** Parameters of the fused edge rule (docs/algorithm.md §3 step 5). */
export interface EdgeRule {
  /** Weight of semantic similarity, in [0, 1]; 1 − alpha weighs spatial adjacency. */
  alpha: number;
  /** Edge threshold. */
  theta: number;
  /** Chebyshev radius of spatial adjacency (integer ≥ 0; 1 = 8-neighbourhood). */
  radius: number;
}

/** What an edge rule implies, computed once: which pairs can be edges and which need a cosine. */
export interface EdgeRuleShape {
  /** Non-adjacent pairs can be edges (alpha·cos can exceed theta). */
  nonSpatialPossible: boolean;
  /** Adjacent pairs are edges whatever their cosine ((1 − alpha) alone exceeds theta). */
  adjacentAlwaysEdge: boolean;
  /** Adjacent pairs never need a cosine: alpha = 0. */
  cosineUnused: boolean;
}

/**
 * A copy of the rule's three fields in one fixed object shape. Callers pass whole parameter
 * objects whose shapes differ from request to request (optional fields present or not, alpha a
 * small integer or a fraction); a hot graph that keeps such an object sees a new shape on the
 * next request, and V8 throws away and recompiles the MIS loop each time. The copy keeps the
 * graphs' code on one shape (alpha and theta stored as fractions from the first request on).
 */
export function edgeRuleOf(rule: EdgeRule): EdgeRule {
  const copy: EdgeRule = { alpha: 0.5, theta: 0.5, radius: rule.radius };
  copy.alpha = rule.alpha;
  copy.theta = rule.theta;
  return copy;
}

/** Validates an edge rule, naming the offending field. */
export function validateEdgeRule(rule: EdgeRule): void {
  assertInRange('alpha', rule.alpha, 0, 1);
  assertNumber('theta', rule.theta);
  assertInteger('radius', rule.radius);
}

/** The fused rule for one pair: alpha·max(cos, 0) + (1 − alpha)·spat > theta. */
export function isEdge(rule: EdgeRule, cos: number, spat: 0 | 1): boolean {
  return edgeRule(cos, spat, rule.alpha, rule.theta);
}

/**
 * Analyses a rule. The margins are conservative: a cosine computed from float data can exceed 1
 * by rounding, so non-adjacent pairs are ruled out only when alpha·(1 + 1e-6) ≤ theta; adjacent
 * pairs are always edges when (1 − alpha) > theta, because adding alpha·max(cos, 0) ≥ 0 can only
 * increase the sum.
 */
export function shapeOf(rule: EdgeRule): EdgeRuleShape {
  return {
    nonSpatialPossible: rule.alpha * (1 + 1e-6) > rule.theta,
    adjacentAlwaysEdge: 1 - rule.alpha > rule.theta,
    cosineUnused: rule.alpha === 0,
  };
}
