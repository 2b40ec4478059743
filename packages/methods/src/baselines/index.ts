/**
 * The baselines of docs/baselines.md: FastV, DART, DivPrune, VisPruner, VisionZip, CDPruner,
 * `uniform` (alias `window`) and `random`, each a pure function over the input tensors and a
 * {@link Method} for the registry.
 * @packageDocumentation
 */
export * from './fastv.js';
export * from './dart.js';
export * from './cpython-set.js';
export * from './divprune.js';
export * from './farthest.js';
export * from './farthest-screened.js';
export * from './vispruner.js';
export * from './neighbour-lists.js';
export * from './visionzip.js';
export * from './cdpruner.js';
export { helperWorkerSource } from './helper-job.js';
export * from './uniform.js';
export * from './random.js';
