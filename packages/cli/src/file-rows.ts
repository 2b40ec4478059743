import type { MergedRow, Selection } from '@d2pruner/core';

/**
 * The diagnostics of the methods (docs/formats.md §2) that hold visual-token indices, besides
 * `keep`: D2Pruner's `pivots` and `picks`, DivPrune's and CDPruner's `order`, VisPruner's
 * `important`, VisionZip's `dominant`, DART's `imagePivots` (its `textPivots` index text tokens).
 */
const INDEX_FIELDS = ['pivots', 'picks', 'order', 'important', 'dominant', 'imagePivots'] as const;

/**
 * A selection made among the candidate rows of a file (`prune FILE --model ID --image WxH` on a
 * file whose N counts structural tokens such as LLaVA-NeXT's row newlines, see
 * `applyAdapterLayout`) with every token index turned into the file's row `rows[k]`: `keep`,
 * the index diagnostics ({@link INDEX_FIELDS}), DART's image entries of `pivotOrder` and the
 * merged rows' `index` and `members` — so that `pivots` and `picks` stay subsets of `keep`, all
 * in the file's numbering. The input selection is not changed.
 */
export function selectionInFileRows(s: Selection, rows: ArrayLike<number>): Selection {
  const row = (k: number) => rows[k];
  const out: Selection = { ...s, keep: s.keep.map(row) };
  for (const field of INDEX_FIELDS) {
    const v = s[field];
    if (Array.isArray(v) && v.every((k) => typeof k === 'number')) out[field] = (v as number[]).map(row);
  }
  if (Array.isArray(s.pivotOrder)) {
    out.pivotOrder = (s.pivotOrder as unknown[]).map((p) => (Array.isArray(p) && p[0] === 'image' && typeof p[1] === 'number' ? ['image', rows[p[1]]] : p));
  }
  if (s.merged) out.merged = s.merged.map((m): MergedRow => ({ ...m, index: rows[m.index], members: m.members.map(row) }));
  return out;
}
