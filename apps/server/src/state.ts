import type { PrunePool } from '@d2pruner/pipeline/node';
import type { BackendManager } from './backend.js';
import type { BodyBudget } from './body-budget.js';
import type { ClientConnections } from './client-connections.js';
import type { ServerConfig } from './config.js';
import type { ConcurrencyGate } from './gate.js';
import type { InputCaps } from './input/caps.js';
import type { JsonBodyPool } from './input/json-body-pool.js';
import type { ServerMetrics } from './metrics.js';
import type { ModelManager } from './model.js';
import type { RunContext } from './run.js';
import type { SampleStore } from './samples.js';

/** Everything the routes share: configuration, backends, samples, metrics, the concurrency gate. */
export interface ServerState {
  readonly config: ServerConfig;
  readonly backends: BackendManager;
  readonly samples: SampleStore;
  readonly metrics: ServerMetrics;
  readonly gate: ConcurrencyGate;
  /** Bytes of request bodies held at once (`--max-buffered-bytes`). */
  readonly bodies: BodyBudget;
  /** Open connections per client address (`--max-connections-per-client`). */
  readonly clientConnections: ClientConnections;
  /** The generation model (`--model-dir`; none loaded without it). */
  readonly model: ModelManager;
  readonly caps: InputCaps;
  /** The worker pool pruning runs in (`--workers`; absent with 0: on the event loop). */
  readonly pool?: PrunePool;
  /** The thread that parses large JSON prune bodies (with a worker pool only: else on the event loop). */
  readonly jsonBodies?: JsonBodyPool;
  /** Whether the built web app (index.html) is served at `/`. */
  readonly webAvailable: boolean;
  /** Set when shutdown begins: new requests get 503 `SHUTTING_DOWN`. */
  closing: boolean;
  /** The pipeline context of a pruning run (default backend, backend check, sample reader). */
  runContext(): RunContext;
}

/** Route options `config` flag: the route takes a concurrency slot (503 when none is free). */
export interface GatedRouteConfig {
  /** The route takes a slot once its body is in (503 when none is free); a streaming route takes one per item. */
  gated?: boolean;
  /** The route streams its request and response: no whole-request time limit (its items have their own), a slot per item, per-line upload limits. */
  streaming?: boolean;
  /** The route generates with the model: its time limit is `--generate-timeout-ms`. */
  generation?: boolean;
}
