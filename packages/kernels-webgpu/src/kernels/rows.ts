import type { HeadMeanInput, RowNormsInput } from '@d2pruner/kernels';
import { grid, type GpuRun } from '../gpu/run.js';
import { HEAD_MEAN_PARAMS, HEAD_MEAN_SPEC } from '../shaders/head-mean.js';
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
