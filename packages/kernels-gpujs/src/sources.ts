/*
 * gpu.js kernel sources, as strings: gpu.js translates a function's source text, and a string
 * cannot be altered by a TypeScript or bundler transform. Every index and size is an argument
 * (never a constant), so one compiled kernel serves every shape (`dynamicOutput`,
 * `dynamicArguments`). Index arithmetic happens in floats: exact while rows·cols < 2^24.
 */

/** Norm of row `thread.x`. */
export const ROW_NORMS = `function (x, d) {
  const a = this.thread.x * d;
  let s = 0;
  for (let k = 0; k < d; k++) { const v = x[a + k]; s += v * v; }
  return Math.sqrt(s);
}`;

/** Norm of row `idx[thread.x]`. */
export const GATHER_NORMS = `function (x, d, idx) {
  const a = idx[this.thread.x] * d;
  let s = 0;
  for (let k = 0; k < d; k++) { const v = x[a + k]; s += v * v; }
  return Math.sqrt(s);
}`;

/** Cosine of rows `qi[q]` and `ci[c]` for thread q·nc + c, 0 when either norm is 0. */
export const COSINE_BLOCK = `function (x, d, qi, ci, qn, cn, nc) {
  const t = this.thread.x;
  const q = Math.floor(t / nc);
  const c = t - q * nc;
  const a = qi[q] * d;
  const b = ci[c] * d;
  let s = 0;
  for (let k = 0; k < d; k++) { s += x[a + k] * x[b + k]; }
  const den = qn[q] * cn[c];
  let r = 0;
  if (den > 0) { r = s / den; }
  return r;
}`;

/** Column means of an [h × n] matrix. */
export const HEAD_MEAN = `function (x, h, n) {
  const c = this.thread.x;
  let s = 0;
  for (let r = 0; r < h; r++) { s += x[r * n + c]; }
  return s / Math.max(h, 1);
}`;

/**
 * 16 bits of the edge bitset per thread (floats hold 16-bit integers exactly): thread t covers
 * row i = ⌊t / halves⌋, columns 16·(t mod halves) … +15.
 */
export const EDGE_HALFWORDS = `function (cosm, k, halves, frame, row, col, alpha, theta, radius) {
  const t = this.thread.x;
  const i = Math.floor(t / halves);
  const j0 = (t - i * halves) * 16;
  let v = 0;
  let bit = 1;
  for (let b = 0; b < 16; b++) {
    const j = j0 + b;
    if (j < k && j != i) {
      let spat = 0;
      if (frame[j] == frame[i] && Math.max(Math.abs(row[j] - row[i]), Math.abs(col[j] - col[i])) <= radius) { spat = 1; }
      const s = alpha * Math.min(Math.max(cosm[i * k + j], 0), 1) + (1 - alpha) * spat;
      if (s > theta) { v = v + bit; }
    }
    bit = bit * 2;
  }
  return v;
}`;
