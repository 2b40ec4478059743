import type { KernelInput, KernelName, KernelOutput } from '@d2pruner/kernels';
import type { GpuRun } from '../gpu/run.js';
import { gpuEdgeBitset } from './edge.js';
import { gpuEdgeBlock } from './edge-block.js';
import { gpuCosineMatrix, gpuMaxSimilarity, gpuSimilarityRows } from './gram.js';
import { gpuHeadMean, gpuRowNorms } from './rows.js';

/** A kernel's WebGPU implementation: records and reads back its work within one run. */
export type GpuKernel<K extends KernelName> = (run: GpuRun, input: KernelInput<K>) => Promise<KernelOutput<K>>;

/**
 * The WebGPU implementation of every kernel this backend supports. `maxMinUpdate` and
 * `dppUpdate` are refused: their outputs are float64 values that DivPrune's and CDPruner's greedy
 * choices compare, a float32 device cannot reproduce them (CDPruner's vectors differed), and no
 * bound can certify a value; under `--backend webgpu` those steps run on the CPU.
 */
export const GPU_KERNELS: { [K in KernelName]?: GpuKernel<K> } = {
  rowNorms: gpuRowNorms,
  similarityRows: gpuSimilarityRows,
  cosineMatrix: gpuCosineMatrix,
  edgeBitset: gpuEdgeBitset,
  edgeBlock: gpuEdgeBlock,
  headMean: gpuHeadMean,
  maxSimilarity: gpuMaxSimilarity,
};
