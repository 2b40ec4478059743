import { registerAdapter, registerMethod } from '@d2pruner/core';
import { acmeVl1b } from './acme-adapter.js';
import { normNms } from './norm-nms.js';

export * from './acme-adapter.js';
export * from './norm-nms.js';
export * from './pipeline.js';

/** Adds the Acme-VL adapter and the norm-nms method to the public registries (idempotent). */
export function registerAcme(): void {
  registerAdapter(acmeVl1b, { replace: true });
  registerMethod(normNms, { replace: true });
}
