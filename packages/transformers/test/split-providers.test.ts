import { describe, expect, it } from 'vitest';
import { splitSessionOptions } from '../src/index.js';

describe('split decoder parts run on the device the model was loaded on', () => {
  it("a named device adds its execution provider (transformers.js' table) to the session options", () => {
    expect(splitSessionOptions('webgpu', { graphOptimizationLevel: 'all' })).toEqual({ graphOptimizationLevel: 'all', executionProviders: ['webgpu'] });
    expect(splitSessionOptions('cuda')).toEqual({ executionProviders: ['cuda'] });
    expect(splitSessionOptions('cpu')).toEqual({ executionProviders: ['cpu'] });
    expect(splitSessionOptions('webnn-gpu')).toEqual({ executionProviders: [{ name: 'webnn', deviceType: 'gpu' }] });
  });

  it('providers the caller names win; auto, gpu, an unknown or unset device leave the options unchanged', () => {
    const own = { executionProviders: ['dml'] };
    expect(splitSessionOptions('webgpu', own)).toBe(own);
    const plain = { intraOpNumThreads: 2 };
    for (const device of ['auto', 'gpu', 'toString', undefined]) expect(splitSessionOptions(device, plain)).toBe(plain);
  });
});
