import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** Label values of one series, in the order of the metric's label names. */
export type LabelValues = readonly string[];

/** A prom-client counter addressed by positional label values. */
export interface CounterOf {
  /** Adds `by` (default 1) to the series of `values`. */
  inc(values?: LabelValues, by?: number): void;
}

/** A prom-client histogram addressed by positional label values. */
export interface HistogramOf {
  /** Records one observation (seconds) for the series of `values`. */
  observe(values: LabelValues, v: number): void;
}

/** Latency buckets in seconds: 1 ms … 30 s. */
export const LATENCY_BUCKETS: readonly number[] = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

/** What the gauges read from the running server. */
export interface MetricsSources {
  /** Requests holding a concurrency slot now. */
  inFlight(): number;
  /** The backend requests use by default, and the adapter description. */
  backend(): { name: string; adapter: string };
  /** Whether a generation model is loaded and whether it is generating (absent: no model). */
  model?(): { loaded: boolean; generating: boolean };
}

function named(names: readonly string[], values: LabelValues): Record<string, string> {
  return Object.fromEntries(names.map((n, i) => [n, values[i] ?? '']));
}

/**
 * The server's metrics on its own prom-client registry: request counts and latencies per route
 * and status, selections per method and backend, errors per code, generation counters, and
 * prom-client's default process and Node.js metrics (`process_resident_memory_bytes`,
 * `nodejs_heap_size_used_bytes`, event-loop lag, GC, …).
 */
export class ServerMetrics {
  /** The registry `GET /metrics` renders. */
  readonly registry = new Registry();
  /** `d2pruner_http_requests_total{method,route,status}`. */
  readonly requests: CounterOf;
  /** `d2pruner_http_request_duration_seconds{method,route}`. */
  readonly latency: HistogramOf;
  /** `d2pruner_selections_total{method,backend}`. */
  readonly selections: CounterOf;
  /** `d2pruner_selection_duration_seconds{method,backend}`. */
  readonly selectionTime: HistogramOf;
  /** `d2pruner_request_errors_total{code}`: error responses, failed batch lines and refused connections. */
  readonly errors: CounterOf;
  /**
   * `d2pruner_rejected_total{reason}`: `overloaded`, `shutting_down`, `buffered_bytes` (requests),
   * `connections` (over `--max-connections`), `client_connections` (over `--max-connections-per-client`).
   */
  readonly rejected: CounterOf;
  /** `d2pruner_generations_total{method,outcome}`: outcome `done`, `error`, `timeout` or `cancelled` (client gone); method `none` without pruning. */
  readonly generations: CounterOf;
  /** `d2pruner_generated_tokens_total`. */
  readonly generatedTokens: CounterOf;
  /** `d2pruner_generation_prefill_seconds{method}`. */
  readonly prefillTime: HistogramOf;

  /** @param sources live values for the gauges */
  constructor(sources: MetricsSources) {
    const registers = [this.registry];
    const counter = (name: string, help: string, labelNames: readonly string[] = []): CounterOf => {
      const c = new Counter({ name, help, labelNames, registers });
      return { inc: (values = [], by = 1) => c.inc(named(labelNames, values), by) };
    };
    const histogram = (name: string, help: string, labelNames: readonly string[]): HistogramOf => {
      const h = new Histogram({ name, help, labelNames, buckets: [...LATENCY_BUCKETS], registers });
      return { observe: (values, v) => h.observe(named(labelNames, values), v) };
    };
    const gauge = (name: string, help: string, read: () => number) =>
      new Gauge({
        name,
        help,
        registers,
        collect() {
          this.set(read());
        },
      });
    this.requests = counter('d2pruner_http_requests_total', 'HTTP requests answered, by method, route pattern and status', ['method', 'route', 'status']);
    this.latency = histogram('d2pruner_http_request_duration_seconds', 'HTTP request latency (arrival to response sent)', ['method', 'route']);
    this.selections = counter('d2pruner_selections_total', 'Selections computed, by pruning method and the kernel backend that ran', ['method', 'backend']);
    this.selectionTime = histogram('d2pruner_selection_duration_seconds', 'Time inside the pruning method (timings.totalMs)', ['method', 'backend']);
    this.errors = counter('d2pruner_request_errors_total', 'Error responses and failed batch lines, by error code', ['code']);
    this.rejected = counter('d2pruner_rejected_total', 'Requests and connections refused before any work, by reason', ['reason']);
    this.generations = counter('d2pruner_generations_total', 'Generations of POST /v1/generate that started, by pruning method and outcome', ['method', 'outcome']);
    this.generatedTokens = counter('d2pruner_generated_tokens_total', 'Tokens streamed by POST /v1/generate');
    this.prefillTime = histogram('d2pruner_generation_prefill_seconds', 'LLM prefill time of finished generations (prefillMs)', ['method']);
    gauge('d2pruner_in_flight_requests', 'Pruning requests holding a concurrency slot', () => sources.inFlight());
    gauge('d2pruner_model_loaded', 'A generation model is loaded (--model-dir)', () => (sources.model?.().loaded ? 1 : 0));
    gauge('d2pruner_generations_in_flight', 'Generations running (at most 1)', () => (sources.model?.().generating ? 1 : 0));
    new Gauge({
      name: 'd2pruner_backend_info',
      help: 'Kernel backend used by default (1 = in use)',
      labelNames: ['backend', 'adapter'],
      registers,
      collect() {
        const b = sources.backend();
        this.reset();
        this.set({ backend: b.name, adapter: b.adapter }, 1);
      },
    });
    collectDefaultMetrics({ register: this.registry });
  }

  /** The Content-Type of {@link render}'s text. */
  get contentType(): string {
    return this.registry.contentType;
  }

  /** The whole exposition (Prometheus text format). */
  render(): Promise<string> {
    return this.registry.metrics();
  }
}
