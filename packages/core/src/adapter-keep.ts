import type { TokenLayout, VisualSpan } from './adapter.js';
import { InvalidInputError, ShapeMismatchError } from './errors.js';

/**
 * Which structural tokens (LLaVA-NeXT newlines) survive pruning:
 * - `row` (default): a structural token is kept iff some kept candidate lies on its frame and row;
 * - `all`: every structural token is kept;
 * - `none`: none is kept.
 */
export type StructuralPolicy = 'row' | 'all' | 'none';

/** The structural policies, default first. */
export const STRUCTURAL_POLICIES: readonly StructuralPolicy[] = ['row', 'all', 'none'];

/** Checks that `keep` lists distinct candidate indices in [0, candidates). */
export function checkCandidateKeep(layout: TokenLayout, keep: ArrayLike<number>): void {
  const nc = layout.candidates.length;
  const seen = new Uint8Array(nc);
  for (let k = 0; k < keep.length; k++) {
    const c = keep[k];
    if (!Number.isInteger(c) || c < 0 || c >= nc) throw new InvalidInputError('keep', `keep[${k}] = ${c} is not a candidate index in [0, ${nc})`);
    if (seen[c]) throw new InvalidInputError('keep', `keep lists candidate ${c} twice`);
    seen[c] = 1;
  }
}

/**
 * The structural tokens kept for a selection, as ascending visual-token indices.
 * @param layout the model's token layout
 * @param keep kept **candidate** indices (what a method returns)
 * @param policy default `row`
 */
export function keptStructuralTokens(layout: TokenLayout, keep: ArrayLike<number>, policy: StructuralPolicy = 'row'): number[] {
  if (!STRUCTURAL_POLICIES.includes(policy)) throw new InvalidInputError('structural', `structural policy must be one of ${STRUCTURAL_POLICIES.join(', ')}, got ${String(policy)}`);
  checkCandidateKeep(layout, keep);
  const out: number[] = [];
  if (policy === 'none') return out;
  const rowsWithKept = new Set<string>();
  for (let k = 0; k < keep.length; k++) {
    const t = layout.candidates[keep[k]];
    rowsWithKept.add(`${layout.frame[t]}:${layout.row[t]}`);
  }
  for (let i = 0; i < layout.tokens; i++) {
    if (!layout.structural[i]) continue;
    if (policy === 'all' || rowsWithKept.has(`${layout.frame[i]}:${layout.row[i]}`)) out.push(i);
  }
  return out;
}

/**
 * Every visual token that stays in the sequence — the kept candidates plus the structural tokens
 * the policy keeps — as ascending visual-token indices.
 */
export function keptVisualTokens(layout: TokenLayout, keep: ArrayLike<number>, policy: StructuralPolicy = 'row'): number[] {
  const out = keptStructuralTokens(layout, keep, policy);
  for (let k = 0; k < keep.length; k++) out.push(layout.candidates[keep[k]]);
  return out.sort((a, b) => a - b);
}

/**
 * Sequence positions of visual tokens: `span.start + index`. Throws when an index falls outside
 * the span or the span's length disagrees with the layout.
 */
export function visualToSequence(layout: TokenLayout, span: VisualSpan, visualIndices: ArrayLike<number>): number[] {
  if (span.length !== layout.tokens) {
    throw new ShapeMismatchError('span', `image ${span.image} has ${span.length} visual tokens in the sequence but the layout has ${layout.tokens}`);
  }
  const out = new Array<number>(visualIndices.length);
  for (let k = 0; k < visualIndices.length; k++) {
    const v = visualIndices[k];
    if (!Number.isInteger(v) || v < 0 || v >= span.length) throw new InvalidInputError('indices', `visual index ${v} is outside [0, ${span.length})`);
    out[k] = span.start + v;
  }
  return out;
}

/** How a token file's N relates to an adapter layout (see {@link matchTokenCount}). */
export interface TokenCountMatch {
  /** `candidates`: N equals the candidate count; `tokens`: N counts structural tokens too. */
  kind: 'candidates' | 'tokens';
  /** With `tokens`: the rows of the file to prune among (the candidates); absent with `candidates`. */
  rows?: Int32Array;
}

/**
 * Relates an input's token count N to a model layout, for `prune --model ID --image WxH`: N may
 * be the candidate count (the layout applies as is) or the full visual-token count with
 * structural tokens (prune among `rows`, keep the structural rows by a {@link StructuralPolicy}).
 * Any other N is a shape mismatch naming `layout`.
 */
export function matchTokenCount(layout: TokenLayout, n: number): TokenCountMatch {
  if (n === layout.candidates.length) return { kind: 'candidates' };
  if (n === layout.tokens) return { kind: 'tokens', rows: layout.candidates };
  throw new ShapeMismatchError(
    'layout',
    `the input has ${n} visual tokens but ${layout.model} makes ${layout.candidates.length} candidates (${layout.tokens} tokens with structural ones) for a ${layout.image.width}x${layout.image.height} image`,
  );
}
