import { adapterRegistry, type ModelAdapter } from '@d2pruner/core';
import { internvl25_8b } from './internvl.js';

/** The adapters of this package: `internvl-2.5-8b`. */
export const INTERNVL_ADAPTERS: readonly ModelAdapter[] = [internvl25_8b];

/**
 * Adds the InternVL adapters to the process-wide registry. Idempotent: an adapter already
 * registered under the same id is left as it is. Importing this package registers nothing.
 */
export function registerInternVLAdapters(): void {
  for (const a of INTERNVL_ADAPTERS) if (!adapterRegistry.has(a.id)) adapterRegistry.register(a);
}
