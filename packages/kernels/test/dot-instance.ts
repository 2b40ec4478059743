import { dotInstance, releaseDotInstance, type DotExports } from '../src/index.js';

/** Runs `fn` on a pooled dot-module instance whose memory holds at least `bytes`, then hands it back. */
export function withDotInstance(bytes: number, fn: (wasm: DotExports) => void): void {
  const wasm = dotInstance();
  if (!wasm) throw new Error('WebAssembly SIMD is expected on Node 20');
  try {
    const have = wasm.mem.buffer.byteLength;
    if (have < bytes) wasm.mem.grow(Math.ceil((bytes - have) / 65536));
    fn(wasm);
  } finally {
    releaseDotInstance(wasm);
  }
}

/** A seeded generator of values in [−1, 1) (a linear congruential sequence). */
export function seededSigned(seed: number): () => number {
  return () => ((seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32) * 2 - 1;
}
