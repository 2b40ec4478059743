/**
 * The conformance suite: deterministic inputs for every kernel and a checker that compares any
 * backend with the CPU reference under per-backend tolerances (docs/architecture.md §3 item 3).
 * @packageDocumentation
 */
export * from './random.js';
export * from './tolerance.js';
export * from './cases.js';
export * from './check.js';
