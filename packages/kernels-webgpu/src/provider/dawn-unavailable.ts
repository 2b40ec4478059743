import { BackendUnavailableError } from '@d2pruner/core';
import type { DawnProviderOptions } from './dawn.js';
import type { GpuProvider } from './types.js';

export type { DawnBackendName, DawnProviderOptions } from './dawn.js';

/**
 * The browser build's stand-in for the Dawn provider (package.json `imports`, condition
 * `browser`): bundles never include Dawn; asking for it rejects with the reason.
 */
export function dawnGpuProvider(_options: DawnProviderOptions = {}): GpuProvider {
  return async () => {
    throw new BackendUnavailableError('webgpu', 'Dawn (the `webgpu` package) is for Node only; browsers use navigator.gpu');
  };
}
