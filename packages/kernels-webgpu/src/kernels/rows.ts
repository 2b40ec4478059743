import type { HeadMeanInput, MaxMinUpdateInput, DppUpdateInput, RowNormsInput } from '@d2pruner/kernels';
import { cosineFromDot } from '@d2pruner/kernels';
import { grid, type GpuRun } from '../gpu/run.js';
import { HEAD_MEAN_PARAMS, HEAD_MEAN_SPEC } from '../shaders/head-mean.js';
import { ROW_DOT_FF_SPEC } from '../shaders/row-dot-ff.js';
import { ROW_DOT_PARAMS, RowDotOut, rowDotSpec, SELF } from '../shaders/row-dot.js';

/** `rowNorms` on the GPU: one workgroup per row. */
export async function gpuRowNorms(run: GpuRun, { x }: RowNormsInput): Promise<Float32Array> {
  if (x.rows === 0) return new Float32Array(0);
  const X = run.matrix('x', x.data);
  const out = run.output('output', x.rows * 4);
  const params = run.uniform(ROW_DOT_PARAMS, { rows: x.rows, d: x.cols, gather: 0, other: SELF });
  await run.dispatch(rowDotSpec(RowDotOut.Norm), [X, run.input('idx', new Uint32Array(1)), out, params], grid(x.rows));
  return new Float32Array(await run.read(out, x.rows * 4));
}

/** `headMean` on the GPU: one thread per column. */
export async function gpuHeadMean(run: GpuRun, { x }: HeadMeanInput): Promise<Float32Array> {
  if (x.cols === 0) return new Float32Array(0);
  const X = run.input('x', x.data);
  const out = run.output('output', x.cols * 4);
  await run.dispatch(HEAD_MEAN_SPEC, [X, out, run.uniform(HEAD_MEAN_PARAMS, { h: x.rows, n: x.cols })], grid(Math.ceil(x.cols / 64)));
  return new Float32Array(await run.read(out, x.cols * 4));
}

/**
 * Cosines of row `j` with every row: the dots on the GPU in float-float arithmetic (the
 * O(rows·cols) part, ~44 significant bits: the baselines are specified in float64), the
 * division by the given f64 norms on the host, with the reference's zero-norm rule.
 */
async function cosineRow(run: GpuRun, x: Float32Array, rows: number, cols: number, norms: Float64Array, j: number): Promise<Float64Array> {
  const X = run.matrix('x', x);
  const out = run.output('output', rows * 8);
  const params = run.uniform(ROW_DOT_PARAMS, { rows, d: cols, gather: 0, other: j });
  await run.dispatch(ROW_DOT_FF_SPEC, [X, out, params], grid(rows));
  const dots = new Float32Array(await run.read(out, rows * 8));
  const nj = norms[j];
  return Float64Array.from({ length: rows }, (_, i) => cosineFromDot(dots[2 * i] + dots[2 * i + 1], nj, norms[i]));
}

/** `maxMinUpdate`: the cosine row on the GPU, min(m_i, 1 − cos) on the host in f64. */
export async function gpuMaxMinUpdate(run: GpuRun, { x, rows, cols, norms, j, minDist }: MaxMinUpdateInput): Promise<Float64Array> {
  if (rows === 0) return new Float64Array(0);
  const cos = await cosineRow(run, x, rows, cols, norms, j);
  const out = new Float64Array(rows);
  for (let i = 0; i < rows; i++) {
    const dist = 1 - cos[i];
    out[i] = dist < minDist[i] ? dist : minDist[i];
  }
  return out;
}

/**
 * `dppUpdate`: the cosine row on the GPU; the O(t·rows) Cholesky correction and the d2 update on
 * the host in f64, as names.ts defines them (output [e | d2]).
 */
export async function gpuDppUpdate(run: GpuRun, input: DppUpdateInput): Promise<Float64Array> {
  const { x, rows, cols, norms, relevance, j, c, t, d2 } = input;
  if (rows === 0) return new Float64Array(0);
  const cos = await cosineRow(run, x, rows, cols, norms, j);
  const result = new Float64Array(2 * rows);
  const rj = relevance[j];
  for (let i = 0; i < rows; i++) result[i] = rj * (i === j ? (norms[j] > 0 ? 1 : 0) : cos[i]) * relevance[i];
  for (let s = 0; s < t; s++) {
    const cj = c[s * rows + j];
    if (cj === 0) continue;
    for (let i = 0; i < rows; i++) result[i] -= cj * c[s * rows + i];
  }
  const scale = Math.sqrt(d2[j]);
  for (let i = 0; i < rows; i++) {
    result[i] /= scale;
    result[rows + i] = d2[i] - result[i] * result[i];
  }
  return result;
}
