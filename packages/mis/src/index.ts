/**
 * @d2pruner/mis — greedy maximal independent set with the `rounds` and `importance` fallbacks,
 * generic over a {@link ConflictGraph}.
 * @packageDocumentation
 */
export * from './graph.js';
export * from './greedy.js';
