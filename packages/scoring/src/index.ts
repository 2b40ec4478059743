/**
 * @d2pruner/scoring — importance scoring: debias strategies (`prior`, `none`, `rope`, `trend`),
 * the content-free RoPE prior, trend fitting, and the streaming prior accumulator.
 * @packageDocumentation
 */
export * from './debias.js';
export * from './rope.js';
export * from './trend.js';
export * from './prior.js';
export * from './order.js';
