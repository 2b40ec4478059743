/**
 * @d2pruner-tools/tiny-model — writes a random-weight tiny LLaVA in the transformers.js file
 * layout (ONNX graphs built with onnx-proto), with LLaVA-1.5's visual geometry (336-px input,
 * patch 14, 576 tokens) and sizes of your choice, deterministic from a seed. For tests and
 * benchmarks that must run offline.
 * @packageDocumentation
 */
export * from './options.js';
export * from './rng.js';
export * from './onnx.js';
export * from './tokenizer.js';
export * from './vision.js';
export * from './decoder.js';
export * from './embed.js';
export * from './files.js';
export * from './size.js';
export * from './write.js';
export * from './cli.js';
export * from './png.js';
