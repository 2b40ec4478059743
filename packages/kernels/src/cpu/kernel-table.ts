import { cpuEdgeBlock } from '../edge-block.js';
import type { KernelInput, KernelName, KernelOutput } from '../names.js';
import { cpuDppUpdate, cpuMaxMinUpdate, cpuMaxSimilarity } from './baseline-kernels.js';
import { cpuCosineMatrix, cpuEdgeBitset, cpuHeadMean, cpuRowNorms, cpuSimilarityRows } from './reference.js';

/* Internal (not exported from the package): the CPU reference by kernel name, without input checks. */

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

/** True when the CPU reference implements `kernel`. */
export function cpuImplements(kernel: string): boolean {
  return Object.prototype.hasOwnProperty.call(IMPL, kernel);
}

/**
 * Runs the CPU reference of `kernel` on an input already checked by `assertKernelInput` (the
 * registry checks once per call, before choosing a backend).
 */
export function runCheckedCpuKernel<K extends KernelName>(kernel: K, input: KernelInput<K>): KernelOutput<K> {
  return (IMPL[kernel] as (i: KernelInput<K>) => KernelOutput<K>)(input);
}
