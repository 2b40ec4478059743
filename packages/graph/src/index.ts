/**
 * @d2pruner/graph — the D2Pruner hybrid graph: spatial adjacency from a layout, cosine
 * similarity, the fused edge rule, the lazy form (neighbour queries on demand) and the dense form.
 * @packageDocumentation
 */
export * from './taken.js';
export * from './edge-rule.js';
export * from './spatial.js';
export * from './similarity.js';
export * from './lazy.js';
export * from './dense.js';
