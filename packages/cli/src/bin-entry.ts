/**
 * What the `d2pruner` command runs, in one module: the early worker pool and the CLI. The build
 * bundles it with the packages it imports into `dist/d2pruner.bundle.js`, which loads in about a
 * third of the time of the separate modules (one file instead of hundreds to resolve); the bin
 * falls back to `dist/early-pool.js` and `dist/main.js` without it. Importing it has no side
 * effects.
 * @packageDocumentation
 */
export { closeStartedPool, prestartPool } from './early-pool.js';
export { runCli } from './main.js';
