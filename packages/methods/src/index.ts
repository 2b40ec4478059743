/**
 * @d2pruner/methods — D2Pruner and the baselines behind one {@link Method} interface, with a
 * registry that user methods join through `registerMethod`.
 * @packageDocumentation
 */
export * from './d2pruner/params.js';
export * from './d2pruner/select.js';
export * from './d2pruner/method.js';
export * from './baselines/index.js';
export * from './registry.js';
export { registerMethod, type Method } from '@d2pruner/core';
