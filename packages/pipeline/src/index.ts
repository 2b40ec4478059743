/**
 * @d2pruner/pipeline — RxJS operators for every pruning stage and ready-made streaming
 * pipelines (batch pruning, prior calibration). Browser-safe: file access is injected; Node
 * helpers live in `@d2pruner/pipeline/node`.
 * @packageDocumentation
 */
export * from './job.js';
export * from './stage.js';
export * from './progress.js';
export * from './lines.js';
export * from './operators/decode.js';
export * from './operators/prepare.js';
export * from './operators/score.js';
export * from './operators/pivots.js';
export * from './operators/graph.js';
export * from './operators/mis.js';
export * from './operators/prune.js';
export * from './operators/prior.js';
export * from './operators/d2pruner.js';
export * from './concurrency/pool.js';
export * from './concurrency/pull.js';
export * from './concurrency/concurrent.js';
export * from './concurrency/jobs.js';
export * from './batch/request.js';
export * from './batch/batch.js';
export * from './batch/line-result.js';
export * from './calibrate.js';
export * from './eval/index.js';
