import { InvalidArgumentError, InvalidInputError, roundRatioTimes } from '@d2pruner/core';
import type { EvalLabels } from './labels.js';

/** The metrics of one selection on one labelled file (docs/eval.md §2). */
export interface FileMetrics {
  /** 1 when some kept token lies on the referent, else 0; absent without a referent. */
  referentHit?: number;
  /** min(1, kept referent tokens / max(1, min(|r|, n))); absent without a referent. */
  referentShare?: number;
  /** Share of the objects present that have at least one kept token (1 when none is present). */
  objectRecall: number;
  /** |K|. */
  kept: number;
}

/**
 * The token budget n of docs/eval.md §2 for N tokens: `keep` as given, or max(1, round(ratio·N)) with
 * round half up on the ratio as written ({@link roundRatioTimes}: ratio 0.7 of 45 tokens is 31.5,
 * so 32), for N ≥ 0 and ratio ∈ (0, 1].
 */
export function evalBudget(spec: { keep: number } | { ratio: number }, n: number): number {
  if ('keep' in spec) {
    if (!Number.isInteger(spec.keep) || spec.keep < 1) throw new InvalidArgumentError('keep', `keep must be an integer ≥ 1, got ${spec.keep}`);
    return spec.keep;
  }
  if (!(spec.ratio > 0 && spec.ratio <= 1)) throw new InvalidArgumentError('ratio', `ratio must be in (0, 1], got ${spec.ratio}`);
  return Math.max(1, roundRatioTimes(spec.ratio, n));
}

/**
 * Scores kept indices `keep` against a file's labels at budget `n` (docs/eval.md §2). Indices must be
 * distinct and in [0, N); |K| must equal min(n, N) — otherwise a typed error naming `keep`,
 * since a method that returns another count cannot be compared fairly.
 */
export function fileMetrics(keep: ArrayLike<number>, labels: EvalLabels, n: number): FileMetrics {
  const { object } = labels;
  const size = object.length;
  if (keep.length !== Math.min(n, size)) throw new InvalidInputError('keep', `the selection kept ${keep.length} tokens; budget ${n} of ${size} asks for ${Math.min(n, size)}`);
  const seen = new Uint8Array(size);
  const present = new Set<number>();
  for (let i = 0; i < size; i++) if (object[i] >= 0) present.add(object[i]);
  const hitObjects = new Set<number>();
  let onReferent = 0;
  for (let k = 0; k < keep.length; k++) {
    const i = keep[k];
    if (!Number.isInteger(i) || i < 0 || i >= size || seen[i]) throw new InvalidInputError('keep', `kept index ${i} is out of range or repeated`);
    seen[i] = 1;
    const id = object[i];
    if (id >= 0) hitObjects.add(id);
    if (labels.referent !== undefined && id === labels.referent) onReferent++;
  }
  const metrics: FileMetrics = { objectRecall: present.size === 0 ? 1 : hitObjects.size / present.size, kept: keep.length };
  if (labels.referent !== undefined) {
    let referentSize = 0;
    for (let i = 0; i < size; i++) if (object[i] === labels.referent) referentSize++;
    metrics.referentHit = onReferent > 0 ? 1 : 0;
    metrics.referentShare = Math.min(1, onReferent / Math.max(1, Math.min(referentSize, n)));
  }
  return metrics;
}
