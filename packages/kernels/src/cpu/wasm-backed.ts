/**
 * Memory the SIMD kernels can read in place. A token file read into a region from
 * {@link wasmBackedBytes} lies in a WebAssembly memory, so its float32 rows are dotted where they
 * are — no copy of the features into the kernels' own memory (13.6 MB for InternVL-2.5), and half
 * the cache footprint, which is what lets two workers share the last-level cache.
 * @packageDocumentation
 */
import { wasmApi, type WasmMemory } from './wasm-simd-dot.js';

/** Bytes at the start of such a memory kept for the kernels' scratch (offsets, results, one vector row). */
export const WASM_BACKED_HEADER = 65536;
const PAGE = 65536;
/** Largest region made (wasm32 memories end at 4 GiB). */
const MAX_REGION = 2 ** 31;

const memories = new WeakMap<ArrayBufferLike, WasmMemory>();

/**
 * A region of `bytes` bytes inside a fresh fixed-size WebAssembly memory (after
 * {@link WASM_BACKED_HEADER} reserved bytes), or undefined when the runtime has no WebAssembly
 * SIMD or the size is too large. The memory never grows, so views of it stay valid.
 */
export function wasmBackedBytes(bytes: number): Uint8Array | undefined {
  const api = wasmApi();
  if (!api || bytes > MAX_REGION) return undefined;
  const pages = Math.ceil((WASM_BACKED_HEADER + bytes) / PAGE);
  const memory = new api.Memory({ initial: pages, maximum: pages });
  memories.set(memory.buffer, memory);
  return new Uint8Array(memory.buffer, WASM_BACKED_HEADER, bytes);
}

/** The WebAssembly memory a view lies in, when it came from {@link wasmBackedBytes}. */
export function wasmMemoryOf(view: ArrayBufferView): WasmMemory | undefined {
  return memories.get(view.buffer);
}
