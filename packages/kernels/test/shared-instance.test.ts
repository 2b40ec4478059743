import { describe, expect, it } from 'vitest';
import { releaseSharedDotInstance, SHARED_MAX_PAGES, sharedDotInstance, sharedKernelModule } from '../src/index.js';

describe('kernels on a shared memory (for a helper thread)', () => {
  it('compile, instantiate on a SharedArrayBuffer of the size asked, and run', () => {
    expect(sharedKernelModule()).not.toBeNull();
    const wasm = sharedDotInstance(3 * 65536 + 5)!;
    expect(wasm.mem.buffer).toBeInstanceOf(SharedArrayBuffer);
    expect(wasm.mem.buffer.byteLength).toBeGreaterThanOrEqual(3 * 65536 + 5);
    const rows = new Float32Array(wasm.mem.buffer, 1024, 32);
    rows.fill(0.5);
    expect(wasm.dot(1024, 1024 + 64, 16)).toBe(4);
    releaseSharedDotInstance(wasm);
  });

  it('a released instance is reused (grown when a request needs more), and none past the maximum', () => {
    const a = sharedDotInstance(65536)!;
    releaseSharedDotInstance(a);
    const b = sharedDotInstance(8 * 65536)!;
    expect(b).toBe(a);
    expect(b.mem.buffer.byteLength).toBeGreaterThanOrEqual(8 * 65536);
    releaseSharedDotInstance(b);
    expect(sharedDotInstance(SHARED_MAX_PAGES * 65536 + 1)).toBeNull();
  });
});
