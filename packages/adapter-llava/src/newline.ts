import { keptStructuralTokens, keptVisualTokens, type StructuralPolicy, type TokenLayout } from '@d2pruner/core';

/**
 * Which LLaVA-NeXT `image_newline` tokens stay after pruning, as ascending visual-token indices.
 * Default policy `row`: a row's newline is kept iff a token of that row is kept; `all` keeps every
 * newline, `none` drops them all.
 * @param layout an `llava-next-7b` token layout
 * @param keep kept candidate indices (what a pruning method returns)
 */
export function keptNewlines(layout: TokenLayout, keep: ArrayLike<number>, policy: StructuralPolicy = 'row'): number[] {
  return keptStructuralTokens(layout, keep, policy);
}

/**
 * The visual tokens that stay in the LLaVA-NeXT sequence: kept candidates plus the newlines the
 * policy keeps, ascending (add the image span's start to get sequence positions).
 */
export function keptLlavaNextTokens(layout: TokenLayout, keep: ArrayLike<number>, policy: StructuralPolicy = 'row'): number[] {
  return keptVisualTokens(layout, keep, policy);
}
