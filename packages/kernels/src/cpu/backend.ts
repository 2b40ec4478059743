import type { KernelBackend } from '../backend.js';
import { cpuEdgeBlock } from '../edge-block.js';
import type { KernelInput, KernelName, KernelOutput } from '../names.js';
import { cpuDppUpdate, cpuMaxMinUpdate, cpuMaxSimilarity } from './baseline-kernels.js';
import { cpuCosineMatrix, cpuEdgeBitset, cpuHeadMean, cpuRowNorms, cpuSimilarityRows } from './reference.js';

const IMPL: { [K in KernelName]: (input: KernelInput<K>) => KernelOutput<K> } = {
  rowNorms: cpuRowNorms,
  similarityRows: cpuSimilarityRows,
  cosineMatrix: cpuCosineMatrix,
  edgeBitset: cpuEdgeBitset,
  edgeBlock: cpuEdgeBlock,
  headMean: cpuHeadMean,
  maxSimilarity: cpuMaxSimilarity,
  maxMinUpdate: cpuMaxMinUpdate,
  dppUpdate: cpuDppUpdate,
};

/** Runs a kernel synchronously on the CPU reference implementation. */
export function runCpuKernel<K extends KernelName>(kernel: K, input: KernelInput<K>): KernelOutput<K> {
  return (IMPL[kernel] as (i: KernelInput<K>) => KernelOutput<K>)(input);
}

/** The CPU reference backend: always available, lowest priority, the oracle of every other. */
export const cpuBackend: KernelBackend = {
  name: 'cpu',
  priority: 0,
  minWork: 0,
  available: async () => true,
  supports: (kernel) => kernel in IMPL,
  run: async (kernel, input) => runCpuKernel(kernel, input),
  describe: () => 'cpu (JavaScript reference)',
};
