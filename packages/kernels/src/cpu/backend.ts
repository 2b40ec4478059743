import type { KernelBackend } from '../backend.js';
import { assertKernelInput } from '../kernel-input.js';
import type { KernelInput, KernelName, KernelOutput } from '../names.js';
import { cpuImplements, runCheckedCpuKernel } from './kernel-table.js';

/**
 * Runs a kernel synchronously on the CPU reference implementation, after the same input checks
 * as `KernelRegistry.run` (`assertKernelInput`: typed errors naming the field at fault).
 */
export function runCpuKernel<K extends KernelName>(kernel: K, input: KernelInput<K>): KernelOutput<K> {
  assertKernelInput(kernel, input);
  return runCheckedCpuKernel(kernel, input);
}

/** The CPU reference backend: always available, lowest priority, the oracle of every other. */
export const cpuBackend: KernelBackend = {
  name: 'cpu',
  priority: 0,
  minWork: 0,
  available: async () => true,
  supports: (kernel) => cpuImplements(kernel),
  run: async (kernel, input) => runCpuKernel(kernel, input),
  describe: () => 'cpu (JavaScript reference)',
};
