import { InvalidInputError, ShapeMismatchError } from '@d2pruner/core';
import type { TensorData } from './types.js';

/** One image's run in a row and the visual tokens it keeps. */
export interface SpanKeep {
  /** First sequence position of the run. */
  start: number;
  /** Visual tokens in the run. */
  length: number;
  /** Kept visual-token indices in [0, length). */
  kept: ArrayLike<number>;
}

/**
 * The sequence positions a row keeps, ascending: every position outside the image runs, plus
 * `start + v` for each kept visual index v. Text tokens are never dropped, so causal order and
 * the prompt are preserved.
 * @param length the row's sequence length, an integer ≥ 0 (INVALID_INPUT `length` otherwise)
 * @param spans the row's image runs: integer `start` / `length` ≥ 0, inside the row, in order
 *   and non-overlapping (INVALID_INPUT / SHAPE_MISMATCH `spans` otherwise); kept indices are
 *   integers in [0, span length) (INVALID_INPUT `kept`)
 */
export function keptPositions(length: number, spans: readonly SpanKeep[]): Int32Array {
  if (!Number.isInteger(length) || length < 0) throw new InvalidInputError('length', `sequence length must be an integer ≥ 0, got ${String(length)}`);
  let end = 0;
  for (const [i, s] of spans.entries()) {
    if (!Number.isInteger(s.start) || !Number.isInteger(s.length) || s.start < 0 || s.length < 0) {
      throw new InvalidInputError('spans', `image run ${i} must have integer start and length ≥ 0, got start ${String(s.start)}, length ${String(s.length)}`);
    }
    if (s.start + s.length > length) throw new ShapeMismatchError('spans', `image run [${s.start}, ${s.start + s.length}) is outside a sequence of ${length}`);
    if (s.start < end) throw new InvalidInputError('spans', `image run ${i} [${s.start}, ${s.start + s.length}) overlaps or precedes the previous run ending at ${end}; runs must be in order and disjoint`);
    end = s.start + s.length;
  }
  const drop = new Uint8Array(length);
  for (const s of spans) {
    drop.fill(1, s.start, s.start + s.length);
    for (let k = 0; k < s.kept.length; k++) {
      const v = s.kept[k];
      if (!Number.isInteger(v) || v < 0 || v >= s.length) throw new InvalidInputError('kept', `kept visual index ${v} is outside [0, ${s.length})`);
      drop[s.start + v] = 0;
    }
  }
  const out: number[] = [];
  for (let i = 0; i < length; i++) if (!drop[i]) out.push(i);
  return Int32Array.from(out);
}

/**
 * Gathers rows of a [B, S, width] (or [B, S] with width 1) row-major array: row b of the
 * result holds `data[b, positions[b][j], :]` for j in order. All rows must keep the same count,
 * and every position must be an integer in [0, seq) (INVALID_INPUT `positions`: a position past
 * the row would silently read the next row). Works on any element type (float16 bits, int64
 * masks) since values are copied, not read.
 */
export function gatherPositions<T extends TensorData>(data: T, batch: number, seq: number, width: number, positions: readonly Int32Array[]): T {
  if (positions.length !== batch) throw new ShapeMismatchError('positions', `${positions.length} rows of positions for a batch of ${batch}`);
  if (data.length !== batch * seq * width) throw new ShapeMismatchError('data', `data has ${data.length} values, expected ${batch}×${seq}×${width}`);
  const kept = positions[0]?.length ?? 0;
  for (let b = 1; b < batch; b++) {
    if (positions[b].length !== kept) throw new ShapeMismatchError('keep', `row ${b} keeps ${positions[b].length} positions but row 0 keeps ${kept}; rows must stay rectangular`);
  }
  for (let b = 0; b < batch; b++) {
    const p = positions[b];
    for (let j = 0; j < kept; j++) {
      if (!Number.isInteger(p[j]) || p[j] < 0 || p[j] >= seq) throw new InvalidInputError('positions', `row ${b} position ${j} is ${p[j]}, outside [0, ${seq})`);
    }
  }
  const Ctor = data.constructor as new (n: number) => T;
  const out = new Ctor(batch * kept * width);
  for (let b = 0; b < batch; b++) {
    const p = positions[b];
    for (let j = 0; j < kept; j++) {
      const src = (b * seq + p[j]) * width;
      (out as Float32Array).set((data as Float32Array).subarray(src, src + width), (b * kept + j) * width);
    }
  }
  return out;
}
