/*
 * WebGPU flag values, fixed by the specification. Spelled out here because `GPUBufferUsage` and
 * `GPUMapMode` are globals only in browsers, not in Node under Dawn.
 */

/** `GPUBufferUsage` flags. */
export const BufferUsage = {
  MAP_READ: 0x0001,
  COPY_SRC: 0x0004,
  COPY_DST: 0x0008,
  UNIFORM: 0x0040,
  STORAGE: 0x0080,
  QUERY_RESOLVE: 0x0200,
} as const;

/** `GPUMapMode.READ`. */
export const MAP_READ = 0x0001;

/** A bound range of a buffer: the whole of `size` bytes from offset 0. */
export interface Slice {
  buffer: GPUBuffer;
  size: number;
}
