/**
 * Dot product of rows `i` and `j` of a row-major matrix with `d` columns, accumulated in
 * double precision. Unrolled by eight: the innermost loop of every CPU path.
 */
export function rowDot(data: Float32Array, d: number, i: number, j: number): number {
  let a = i * d;
  let b = j * d;
  const end = a + d - (d & 7);
  let s0 = 0;
  let s1 = 0;
  let s2 = 0;
  let s3 = 0;
  let s4 = 0;
  let s5 = 0;
  let s6 = 0;
  let s7 = 0;
  for (; a < end; a += 8, b += 8) {
    s0 += data[a] * data[b];
    s1 += data[a + 1] * data[b + 1];
    s2 += data[a + 2] * data[b + 2];
    s3 += data[a + 3] * data[b + 3];
    s4 += data[a + 4] * data[b + 4];
    s5 += data[a + 5] * data[b + 5];
    s6 += data[a + 6] * data[b + 6];
    s7 += data[a + 7] * data[b + 7];
  }
  for (let k = 0; k < (d & 7); k++) s0 += data[a + k] * data[b + k];
  return s0 + s1 + (s2 + s3) + (s4 + s5 + (s6 + s7));
}

/** Dot product of two equal-length vectors (offsets into possibly different arrays). */
export function vecDot(x: Float32Array | Float64Array, xo: number, y: Float32Array | Float64Array, yo: number, d: number): number {
  let s0 = 0;
  let s1 = 0;
  let k = 0;
  for (; k + 1 < d; k += 2) {
    s0 += x[xo + k] * y[yo + k];
    s1 += x[xo + k + 1] * y[yo + k + 1];
  }
  if (k < d) s0 += x[xo + k] * y[yo + k];
  return s0 + s1;
}

/** L2 norm of row `i` (double precision). */
export function rowNorm(data: Float32Array, d: number, i: number): number {
  return Math.sqrt(rowDot(data, d, i, i));
}

/** Cosine of two rows given their norms; exactly 0 when either norm is 0 (docs/algorithm.md §3 step 5). */
export function cosineFromDot(dot: number, ni: number, nj: number): number {
  return ni > 0 && nj > 0 ? dot / (ni * nj) : 0;
}
