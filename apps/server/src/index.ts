/**
 * @d2pruner/server — the HTTP service: prune (safetensors or JSON), batch (NDJSON streams),
 * methods, samples, flops, layout, health, Prometheus metrics, OpenAPI, the web app, and — with
 * `--model-dir` — generation with pruning streamed as server-sent events (`POST /v1/generate`).
 * Importing this entry starts nothing; `startServer(config)` does (`main.js` is the command).
 * @packageDocumentation
 */
export * from './config.js';
export * from './http-error.js';
export * from './metrics.js';
export * from './gate.js';
export * from './body-budget.js';
export * from './client-connections.js';
export * from './backend.js';
export * from './samples.js';
export * from './input/caps.js';
export * from './input/json-input.js';
export * from './input/request.js';
export * from './input/ndjson.js';
export * from './input/batch-line.js';
export * from './input/image.js';
export * from './input/generate-request.js';
export * from './model.js';
export * from './sse.js';
export * from './run.js';
export * from './app.js';
export * from './server.js';
export { methodJson, adapterById, type MethodJson } from './routes/catalog.js';
export { SERVER_VERSION } from './routes/ops.js';
export type { ServerState } from './state.js';
export * from './deadline.js';
export { syntheticScene, type SyntheticOptions } from './load/synthetic.js';
export * from './schemas/params.js';
export * from './schemas/bodies.js';
export * from './schemas/routes.js';
export * from './input/base64.js';
