/**
 * @d2pruner/kernels — kernel names with typed inputs, the backend registry with priority and
 * fallback, and the CPU reference of every kernel (the oracle of the GPU backends).
 * @packageDocumentation
 */
export * from './names.js';
export * from './kernel-input.js';
export * from './edge-block.js';
export * from './policy.js';
export * from './backend.js';
export * from './registry.js';
export * from './cpu/linalg.js';
export * from './cpu/reference.js';
export * from './cpu/baseline-kernels.js';
export * from './cpu/backend.js';
export * from './conformance/index.js';
export * from './cpu/wasm-simd-dot.js';
export * from './cpu/simd-row-store.js';
export { F64_TILE, F64_TILE_WIDTH } from './cpu/wasm-f64-tile.js';
export { F32_TILE, f32QuadDotBound, f32TileDotBound } from './cpu/wasm-f32-tile.js';
export { seqDotsF32, seqPairDotsF32, type SeqDotKernels, type SeqPairDotKernels } from './cpu/seq-dots.js';
export * from './cpu/quantized-rows.js';
export * from './cpu/wasm-backed.js';
export { decodeHalfSimd } from './cpu/wasm-half.js';
export * from './cpu/row-scan.js';
export * from './cpu/screened-cosines.js';
export * from './cpu/screened-argmax.js';
export * from './cpu/sum-rows.js';
export { writeFloat32ArrayWasm } from './cpu/float32-json-wasm.js';
