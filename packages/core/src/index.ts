/**
 * @d2pruner/core — the types every package shares: tensors, layouts, token inputs, selections,
 * typed errors, safetensors I/O, budgets, and the method registry.
 * @packageDocumentation
 */
export * from './errors.js';
export * from './json-depth.js';
export * from './json-member.js';
export * from './validate.js';
export * from './tensor.js';
export * from './layout.js';
export * from './token-input.js';
export * from './selection.js';
export * from './float32-json.js';
export * from './result-json.js';
export * from './budget.js';
export * from './ratio-round.js';
export * from './registry.js';
export * from './method.js';
export * from './context.js';
export * from './safetensors/dtype.js';
export * from './safetensors/read.js';
export * from './safetensors/write.js';
export * from './params.js';
export * from './cost.js';
export * from './adapter.js';
export * from './prior-key.js';
export * from './adapter-spans.js';
export * from './adapter-define.js';
export * from './adapter-keep.js';
export * from './adapter-report.js';
export * from './adapter-geometry.js';
export * from './random.js';
export * from './palette.js';
