import { adapterRegistry, registerAdapter } from '@d2pruner/core';
import { qwen2vl7b } from './adapter.js';

/**
 * Registers the Qwen2-VL adapter from outside the library, through the public
 * `registerAdapter` (idempotent). After this, `getAdapter('qwen2-vl-7b')` and the CLI's
 * `--model qwen2-vl-7b` find it.
 */
export function registerQwen2VLAdapter(): void {
  if (!adapterRegistry.has(qwen2vl7b.id)) registerAdapter(qwen2vl7b);
}
