import { InvalidInputError, ShapeMismatchError, type Matrix } from '@d2pruner/core';

/**
 * Text–image relevance of each visual token: the mean cosine similarity between its projected
 * feature (a row of `image`, in the LLM's embedding space) and the prompt's text-token
 * embeddings (rows of `text`), min–max scaled to [0, 1]. Constant scores (or no text) give all
 * ones. Zero-norm rows count as similarity 0. Computed as v̂ · mean_t(ê_t), which equals the
 * mean of the cosines, in O((N + M)·d).
 * @param image visual-token features [N, d]
 * @param text text-token embeddings [M, d]
 */
export function textImageRelevance(image: Matrix, text: Matrix): Float32Array {
  if (image.cols !== text.cols) throw new ShapeMismatchError('textEmbeds', `text embeddings have width ${text.cols} but image features have ${image.cols}`);
  const { rows: n, cols: d } = image;
  const m = text.rows;
  const raw = new Float64Array(n);
  if (m > 0) {
    const meanDir = new Float64Array(d);
    for (let t = 0; t < m; t++) {
      const tn = norm(text.data, t * d, d);
      if (tn === 0) continue;
      for (let k = 0; k < d; k++) meanDir[k] += text.data[t * d + k] / tn;
    }
    for (let k = 0; k < d; k++) meanDir[k] /= m;
    for (let i = 0; i < n; i++) {
      const vn = norm(image.data, i * d, d);
      if (vn === 0) continue;
      let dot = 0;
      for (let k = 0; k < d; k++) dot += image.data[i * d + k] * meanDir[k];
      raw[i] = dot / vn;
    }
  }
  return minMaxScale(raw);
}

function norm(data: Float32Array, offset: number, d: number): number {
  let s = 0;
  for (let k = 0; k < d; k++) s += data[offset + k] * data[offset + k];
  return Math.sqrt(s);
}

/** Scales values to [0, 1] by (x − min) / (max − min); all ones when max = min. */
export function minMaxScale(values: ArrayLike<number>): Float32Array {
  let lo = Infinity;
  let hi = -Infinity;
  for (let i = 0; i < values.length; i++) {
    lo = Math.min(lo, values[i]);
    hi = Math.max(hi, values[i]);
  }
  const out = new Float32Array(values.length);
  if (!(hi > lo)) return out.fill(1);
  for (let i = 0; i < values.length; i++) out[i] = (values[i] - lo) / (hi - lo);
  return out;
}

/**
 * Checks a caller-supplied importance vector (or what an importance function returned): an
 * array-like of `n` finite, non-negative values. Anything else (`null`, a number, a string) is
 * INVALID_INPUT naming `field`, a wrong length SHAPE_MISMATCH.
 * @param field the option name reported on error
 */
export function checkImportanceVector(values: ArrayLike<number>, n: number, field = 'importance'): Float32Array {
  if (typeof values !== 'object' || values === null || typeof (values as { length?: unknown }).length !== 'number') {
    throw new InvalidInputError(field, `importance must be a vector of ${n} numbers (an array or Float32Array), got ${values === null ? 'null' : typeof values}`);
  }
  if (values.length !== n) throw new ShapeMismatchError(field, `importance has ${values.length} values but the image has ${n} candidate tokens`);
  const out = Float32Array.from(values);
  for (let i = 0; i < n; i++) {
    if (!Number.isFinite(out[i]) || out[i] < 0) throw new InvalidInputError(field, `importance[${i}] = ${values[i]} must be finite and ≥ 0`);
  }
  return out;
}
