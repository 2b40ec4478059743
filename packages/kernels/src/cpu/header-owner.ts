import type { WasmMemory } from './wasm-simd-dot.js';

/*
 * Internal (not exported from the package). The reserved header of a `wasmBackedBytes` memory is
 * scratch shared by everything that runs kernels in place on that memory (screens, in-place row
 * stores), each at offsets of its own layout. What a user leaves there for later calls (a screen's
 * cached exact-dot slots, a store's vector row) is only valid while nobody else wrote the header
 * since: every user marks itself as the last writer when it writes, and restores its own state
 * first when it finds another mark. One compare on the hot path.
 */

/** The last writer of one memory's header. */
export interface HeaderOwner {
  /** Whoever wrote the header last (a token object), undefined before anyone did. */
  owner: object | undefined;
}

const owners = new WeakMap<WasmMemory, HeaderOwner>();

/** The shared owner cell of `memory`'s header (one per memory). */
export function headerOwner(memory: WasmMemory): HeaderOwner {
  let cell = owners.get(memory);
  if (!cell) {
    cell = { owner: undefined };
    owners.set(memory, cell);
  }
  return cell;
}
