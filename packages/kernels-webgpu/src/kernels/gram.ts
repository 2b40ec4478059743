import { cosineErrorBound, cpuMaxSimilarity, TINY_SQUARED_NORM, type CosineMatrixInput, type MaxSimilarityInput, type SimilarityRowsInput } from '@d2pruner/kernels';
import { grid, type GpuRun } from '../gpu/run.js';
import type { Slice } from '../gpu/usage.js';
import { GRAM_PARAMS, GRAM_TILE, GramMode, gramSpec } from '../shaders/gram.js';
import { PAIR_MAX_QUERIES, PAIR_PARAMS, PAIR_SPEC } from '../shaders/pair.js';
import { ROW_DOT_PARAMS, RowDotOut, rowDotSpec, SELF } from '../shaders/row-dot.js';

/** Inverse norms of the gathered rows `idx`, computed on the GPU. */
async function inverseNorms(run: GpuRun, X: Slice, I: Slice, count: number, d: number): Promise<Slice> {
  const inv = run.output('norms', count * 4);
  await run.dispatch(rowDotSpec(RowDotOut.InverseNorm), [X, I, inv, run.uniform(ROW_DOT_PARAMS, { rows: count, d, gather: 1, other: SELF })], grid(count));
  return inv;
}

function gramParams(run: GpuRun, m: number, n: number, d: number, offB: number): Slice {
  return run.uniform(GRAM_PARAMS, { m, n, d, offB, tilesN: Math.ceil(n / GRAM_TILE) });
}

function concat(a: Int32Array, b: Int32Array): Uint32Array {
  const out = new Uint32Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}

/**
 * `similarityRows`: inverse norms of the gathered rows, then the tiled Gram block (or, for fewer
 * than {@link PAIR_MAX_QUERIES} queries, one reduction per pair).
 */
export async function gpuSimilarityRows(run: GpuRun, { x, queries, candidates }: SimilarityRowsInput): Promise<Float32Array> {
  const m = queries.length;
  const n = candidates.length;
  if (m === 0 || n === 0) return new Float32Array(m * n);
  const X = run.matrix('x', x.data);
  const I = run.input('queries', concat(queries, candidates));
  const inv = await inverseNorms(run, X, I, m + n, x.cols);
  const out = run.output('output', m * n * 4);
  if (m < PAIR_MAX_QUERIES) {
    await run.dispatch(PAIR_SPEC, [X, I, inv, out, run.uniform(PAIR_PARAMS, { m, n, d: x.cols, offB: m })], grid(m * n));
  } else {
    await run.dispatch(gramSpec(GramMode.Full), [X, I, inv, out, gramParams(run, m, n, x.cols, m)], [Math.ceil(n / GRAM_TILE), Math.ceil(m / GRAM_TILE)]);
  }
  return new Float32Array(await run.read(out, m * n * 4));
}

/** `cosineMatrix`: the upper triangle of tiles, mirrored (exactly symmetric output). */
export async function gpuCosineMatrix(run: GpuRun, { x, subset }: CosineMatrixInput): Promise<Float32Array> {
  const k = subset ? subset.length : x.rows;
  if (k === 0) return new Float32Array(0);
  const X = run.matrix('x', x.data);
  const I = run.input('subset', subset ? Uint32Array.from(subset) : Uint32Array.from({ length: k }, (_, i) => i));
  const inv = await inverseNorms(run, X, I, k, x.cols);
  const out = run.output('output', k * k * 4);
  const tiles = Math.ceil(k / GRAM_TILE);
  await run.dispatch(gramSpec(GramMode.Symmetric), [X, I, inv, out, gramParams(run, k, k, x.cols, 0)], [tiles, tiles]);
  return new Float32Array(await run.read(out, k * k * 4));
}

/** Largest squared norm whose float32 products and inverse norms stay finite and normal. */
const HUGE_SQUARED_NORM = 2 ** 100;

/**
 * `maxSimilarity`, exact: the float32 cosine block on the GPU (given norms as inverse factors),
 * then per query the candidates whose GPU cosine lies within twice the proven error bound of the
 * GPU maximum are re-evaluated by the CPU reference, whose maximum is returned. The exact maximum
 * is always among them (its GPU value is ≥ max − bound, the GPU maximum ≤ exact max + bound).
 * The bound only holds for rows whose squared norm lies in [2⁻⁹⁶, 2¹⁰⁰] (or is 0: exactly 0 on
 * both sides): outside it float32 products underflow or overflow and the inverse norm may be
 * infinite (0·∞ = NaN, ∞ beating every real cosine). A query outside it is evaluated on the CPU
 * against every candidate; a candidate outside it never sets the GPU maximum and is always
 * re-evaluated on the CPU.
 */
export async function gpuMaxSimilarity(run: GpuRun, input: MaxSimilarityInput): Promise<Float64Array> {
  const { x, cols, norms, queries, candidates } = input;
  const m = queries.length;
  const n = candidates.length;
  const result = new Float64Array(m).fill(-Infinity);
  if (m === 0 || n === 0) return result;
  const uncertified = (r: number) => {
    const s = norms[r] * norms[r];
    return s !== 0 && !(s >= TINY_SQUARED_NORM && s <= HUGE_SQUARED_NORM);
  };
  const idx = concat(queries, candidates);
  const inv = Float32Array.from(idx, (r) => (norms[r] > 0 && !uncertified(r) ? 1 / norms[r] : 0));
  const X = run.matrix('x', x);
  const I = run.input('queries', idx);
  const out = run.output('output', m * n * 4);
  await run.dispatch(gramSpec(GramMode.Full), [X, I, run.input('norms', inv), out, gramParams(run, m, n, cols, m)], [Math.ceil(n / GRAM_TILE), Math.ceil(m / GRAM_TILE)]);
  const cos = new Float32Array(await run.read(out, m * n * 4));
  const slack = 2 * cosineErrorBound(cols, { chunk: Math.max(1, cols) });
  const badCandidate = candidates.map((c) => (uncertified(c) ? 1 : 0));
  for (let i = 0; i < m; i++) {
    const q = queries[i];
    let near: Int32Array;
    if (uncertified(q)) {
      near = candidates.filter((c) => c !== q);
    } else {
      let best = -Infinity;
      for (let j = 0; j < n; j++) if (candidates[j] !== q && !badCandidate[j] && cos[i * n + j] > best) best = cos[i * n + j];
      near = candidates.filter((c, j) => c !== q && (badCandidate[j] === 1 || cos[i * n + j] >= best - slack));
    }
    if (near.length === 0) continue;
    result[i] = cpuMaxSimilarity({ x, rows: input.rows, cols, norms, queries: Int32Array.of(q), candidates: near })[0];
  }
  return result;
}
