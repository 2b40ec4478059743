import { BackendUnavailableError } from '@d2pruner/core';
import { cosineErrorBound, cosineThresholds, TINY_SQUARED_NORM } from '@d2pruner/kernels';
import type {
  CosineMatrixInput,
  EdgeBlockInput,
  EdgeBlockOutput,
  EdgeBitsetInput,
  HeadMeanInput,
  KernelInput,
  KernelName,
  KernelOutput,
  RowNormsInput,
  SimilarityRowsInput,
} from '@d2pruner/kernels';
import * as S from './sources.js';

/** Runs a gpu.js kernel source over `threads` threads (1-D output) with `args`. */
export type GpuJsRunner = (source: string, threads: number, args: ReadonlyArray<Float32Array | number>) => Promise<Float32Array>;

/** A kernel's gpu.js implementation. */
export type GpuJsKernel<K extends KernelName> = (run: GpuJsRunner, input: KernelInput<K>) => Promise<KernelOutput<K>>;

/** Indices as floats (gpu.js passes every array as floats; exact below 2^24). */
function f32(ix: ArrayLike<number>): Float32Array {
  return Float32Array.from(ix);
}

function checkIndexable(field: string, elements: number): void {
  if (elements >= 2 ** 24) {
    throw new BackendUnavailableError(field, `${field} has ${elements} elements; gpu.js kernels index in floats, exact only below 2^24`);
  }
}

async function rowNorms(run: GpuJsRunner, { x }: RowNormsInput): Promise<Float32Array> {
  if (x.rows === 0 || x.cols === 0) return new Float32Array(x.rows);
  checkIndexable('x', x.data.length);
  return run(S.ROW_NORMS, x.rows, [x.data, x.cols]);
}

async function gatherNorms(run: GpuJsRunner, x: RowNormsInput['x'], idx: Float32Array): Promise<Float32Array> {
  return run(S.GATHER_NORMS, idx.length, [x.data, x.cols, idx]);
}

async function similarityRows(run: GpuJsRunner, { x, queries, candidates }: SimilarityRowsInput): Promise<Float32Array> {
  const m = queries.length;
  const n = candidates.length;
  if (m === 0 || n === 0 || x.cols === 0) return new Float32Array(m * n);
  checkIndexable('x', x.data.length);
  checkIndexable('output', m * n);
  const qi = f32(queries);
  const ci = f32(candidates);
  const [qn, cn] = [await gatherNorms(run, x, qi), await gatherNorms(run, x, ci)];
  return run(S.COSINE_BLOCK, m * n, [x.data, x.cols, qi, ci, qn, cn, n]);
}

async function cosineMatrix(run: GpuJsRunner, { x, subset }: CosineMatrixInput): Promise<Float32Array> {
  const ids = subset ?? Int32Array.from({ length: x.rows }, (_, i) => i);
  return similarityRows(run, { x, queries: ids, candidates: ids });
}

async function headMean(run: GpuJsRunner, { x }: HeadMeanInput): Promise<Float32Array> {
  if (x.cols === 0 || x.rows === 0) return new Float32Array(x.cols);
  checkIndexable('x', x.data.length);
  return run(S.HEAD_MEAN, x.cols, [x.data, x.rows, x.cols]);
}

async function edgeBitset(run: GpuJsRunner, input: EdgeBitsetInput): Promise<Uint32Array> {
  const { k, cos, frame, row, col, alpha, theta, radius } = input;
  const words = Math.ceil(k / 32);
  if (k === 0) return new Uint32Array(0);
  checkIndexable('cos', k * k);
  const r = Number.isNaN(radius) ? -1 : Math.max(-1, Math.min(2 ** 24, Math.floor(radius)));
  const halves = await run(S.EDGE_HALFWORDS, k * words * 2, [cos.subarray(0, k * k), k, words * 2, f32(frame.subarray(0, k)), f32(row.subarray(0, k)), f32(col.subarray(0, k)), alpha, theta, r]);
  const out = new Uint32Array(k * words);
  for (let w = 0; w < out.length; w++) out[w] = (halves[2 * w] | (halves[2 * w + 1] << 16)) >>> 0;
  return out;
}

/**
 * `edgeBlock`: the cosine block in gpu.js (sequential float32 sums: depth d in the error bound),
 * the certified decision on the host: c > hi sets the bit, lo ≤ c ≤ hi (or a row whose squared
 * norm is tiny or huge) is reported uncertain.
 */
async function edgeBlock(run: GpuJsRunner, { x, subset, alpha, theta, perturb = 0 }: EdgeBlockInput): Promise<EdgeBlockOutput> {
  const k = subset.length;
  const words = Math.ceil(k / 32);
  const bits = new Uint32Array(k * words);
  const { lo, hi } = cosineThresholds(alpha, theta, cosineErrorBound(x.cols, { chunk: Math.max(1, x.cols) }));
  if (k < 2 || lo === Infinity) return { bits, uncertain: new Int32Array(0) };
  const unc: number[] = [];
  const idx = f32(subset);
  const norms = x.cols === 0 ? new Float32Array(k) : await gatherNorms(run, x, idx);
  const cos = x.cols === 0 ? new Float32Array(k * k) : await similarityRows(run, { x, queries: subset, candidates: subset });
  const bad = (n: number) => !(n * n >= TINY_SQUARED_NORM && n * n <= 2 ** 100);
  const mid = hi === Infinity ? lo : (lo + hi) / 2;
  for (let i = 0; i < k; i++) {
    for (let j = i + 1; j < k; j++) {
      let c = cos[i * k + j];
      c += c < mid ? perturb : -perturb;
      if (bad(norms[i]) || bad(norms[j]) || (c >= lo && c <= hi)) unc.push(i, j);
      else if (c > hi) bits[i * words + (j >>> 5)] |= 1 << (j & 31);
    }
  }
  return { bits, uncertain: Int32Array.from(unc) };
}

/**
 * The gpu.js implementation of every kernel this backend supports. The baselines' float64 kernels
 * (`maxSimilarity`, `maxMinUpdate`, `dppUpdate`) are refused: gpu.js returns float32, which
 * cannot reproduce their greedy choices exactly; under `--backend gpujs` they run on the CPU.
 */
export const GPUJS_KERNELS: { [K in KernelName]?: GpuJsKernel<K> } = {
  rowNorms,
  similarityRows,
  cosineMatrix,
  edgeBitset,
  edgeBlock,
  headMean,
};
