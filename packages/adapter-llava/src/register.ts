import { adapterRegistry, type ModelAdapter } from '@d2pruner/core';
import { llava15_13b, llava15_7b } from './llava15.js';
import { llavaNext7b } from './llava-next.js';

/** The adapters of this package: `llava-1.5-7b`, `llava-1.5-13b`, `llava-next-7b`. */
export const LLAVA_ADAPTERS: readonly ModelAdapter[] = [llava15_7b, llava15_13b, llavaNext7b];

/**
 * Adds the LLaVA adapters to the process-wide registry. Idempotent: an adapter already
 * registered under the same id is left as it is. Importing this package registers nothing.
 */
export function registerLlavaAdapters(): void {
  for (const a of LLAVA_ADAPTERS) if (!adapterRegistry.has(a.id)) adapterRegistry.register(a);
}
