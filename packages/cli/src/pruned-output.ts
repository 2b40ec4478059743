import { InvalidInputError, layoutToJson, subsetLayout, writeSafetensors, type Selection, type TokenInput } from '@d2pruner/core';

/**
 * The pruned features as a safetensors file: the kept rows in ascending index order, with a
 * merge-style method's merged row in place of its target row, plus the kept tokens' layout and
 * their original indices (`keep` tensor) so the result can be fed to a model, and the input's
 * `d2pruner.model` and `d2pruner.layer` (what a prior is matched against).
 * `s` indexes `input`'s rows; when `input` holds only the candidate rows of the file
 * (`applyAdapterLayout` with structural tokens), `fileRows[k]` is the file's row of candidate k
 * and the `keep` tensor and `d2pruner.keep` record those file rows.
 */
export function prunedFeaturesFile(input: TokenInput, s: Selection, fileRows?: ArrayLike<number>): Uint8Array {
  const h = input.features;
  if (!h) throw new InvalidInputError('features', '--out needs the features tensor');
  const d = h.cols;
  const data = new Float32Array(s.keep.length * d);
  const merged = new Map((s.merged ?? []).map((m) => [m.index, m.row]));
  s.keep.forEach((idx, k) => {
    const row = merged.get(idx);
    if (row) data.set(row, k * d);
    else data.set(h.data.subarray(idx * d, (idx + 1) * d), k * d);
  });
  const original = fileRows ? s.keep.map((k) => fileRows[k]) : s.keep;
  const metadata: Record<string, string> = {
    'd2pruner.method': s.method,
    'd2pruner.keep': JSON.stringify(original),
  };
  if (input.layout) metadata['d2pruner.layout'] = JSON.stringify(layoutToJson(subsetLayout(input.layout, s.keep)));
  if (input.model) metadata['d2pruner.model'] = input.model;
  if (input.layer !== undefined) metadata['d2pruner.layer'] = String(input.layer);
  return writeSafetensors(
    { features: { shape: [s.keep.length, d], data }, keep: { shape: [s.keep.length], data: Float32Array.from(original) } },
    metadata,
  );
}
