import { dotInstance, releaseDotInstance, wasmBackedBytes, type DotExports } from '../src/index.js';

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

/** A zeroed rows × cols float32 matrix in WebAssembly-backed bytes (as a file read there): a `SimdRowStore` reads its rows in place. */
export function wasmBackedRows(rows: number, cols: number): Float32Array {
  const bytes = wasmBackedBytes(rows * cols * 4);
  if (!bytes) throw new Error('WebAssembly SIMD is expected on Node 20');
  return new Float32Array(bytes.buffer, bytes.byteOffset, rows * cols);
}
