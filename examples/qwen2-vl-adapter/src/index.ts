/**
 * Example: a Qwen2-VL adapter written only against the public API of `@d2pruner/core`
 * (`defineAdapter`, `GeometryBuilder`, `registerAdapter`), with M-RoPE position handling for
 * pruned sequences. Nothing is registered on import: call {@link registerQwen2VLAdapter}.
 * @packageDocumentation
 */
export * from './smart-resize.js';
export * from './adapter.js';
export * from './mrope.js';
export * from './register.js';
