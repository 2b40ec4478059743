/** Label values of one series, in the order of the metric's label names. */
type LabelValues = readonly string[];

function escapeLabel(v: string): string {
  return v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');
}

function labelText(names: readonly string[], values: LabelValues, extra?: [string, string]): string {
  const parts = names.map((n, i) => `${n}="${escapeLabel(values[i] ?? '')}"`);
  if (extra) parts.push(`${extra[0]}="${escapeLabel(extra[1])}"`);
  return parts.length ? `{${parts.join(',')}}` : '';
}

function formatNumber(v: number): string {
  if (v === Infinity) return '+Inf';
  if (v === -Infinity) return '-Inf';
  return Number.isInteger(v) ? String(v) : v.toPrecision(9).replace(/\.?0+$/, '');
}

/** A monotonically increasing count per label set (Prometheus `counter`). */
export class Counter {
  private readonly series = new Map<string, { values: LabelValues; count: number }>();

  /** @param name metric name @param help description @param labels label names */
  constructor(
    readonly name: string,
    readonly help: string,
    readonly labels: readonly string[] = [],
  ) {}

  /** Adds `by` (default 1) to the series of `values`. */
  inc(values: LabelValues = [], by = 1): void {
    const key = values.join('\u0000');
    const s = this.series.get(key);
    if (s) s.count += by;
    else this.series.set(key, { values: [...values], count: by });
  }

  /** The current count of a series (0 when never incremented). */
  get(values: LabelValues = []): number {
    return this.series.get(values.join('\u0000'))?.count ?? 0;
  }

  /** Prometheus text exposition lines. */
  render(): string[] {
    const out = [`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} counter`];
    for (const s of this.series.values()) out.push(`${this.name}${labelText(this.labels, s.values)} ${formatNumber(s.count)}`);
    return out;
  }
}

/** Observations bucketed by upper bound, with their sum and count (Prometheus `histogram`). */
export class Histogram {
  private readonly series = new Map<string, { values: LabelValues; buckets: number[]; sum: number; count: number }>();

  /** @param name metric name @param help description @param labels label names @param bounds sorted upper bounds */
  constructor(
    readonly name: string,
    readonly help: string,
    readonly labels: readonly string[],
    readonly bounds: readonly number[],
  ) {}

  /** Records one observation for the series of `values`. */
  observe(values: LabelValues, v: number): void {
    const key = values.join('\u0000');
    let s = this.series.get(key);
    if (!s) {
      s = { values: [...values], buckets: new Array<number>(this.bounds.length).fill(0), sum: 0, count: 0 };
      this.series.set(key, s);
    }
    for (let i = 0; i < this.bounds.length; i++) if (v <= this.bounds[i]) s.buckets[i]++;
    s.sum += v;
    s.count++;
  }

  /** Number of observations of a series. */
  count(values: LabelValues): number {
    return this.series.get(values.join('\u0000'))?.count ?? 0;
  }

  /** Prometheus text exposition lines (cumulative buckets, `+Inf`, `_sum`, `_count`). */
  render(): string[] {
    const out = [`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} histogram`];
    for (const s of this.series.values()) {
      this.bounds.forEach((b, i) => out.push(`${this.name}_bucket${labelText(this.labels, s.values, ['le', formatNumber(b)])} ${s.buckets[i]}`));
      out.push(`${this.name}_bucket${labelText(this.labels, s.values, ['le', '+Inf'])} ${s.count}`);
      out.push(`${this.name}_sum${labelText(this.labels, s.values)} ${formatNumber(s.sum)}`);
      out.push(`${this.name}_count${labelText(this.labels, s.values)} ${s.count}`);
    }
    return out;
  }
}

/** A value read when the metrics are rendered (Prometheus `gauge`). */
export class Gauge {
  /** @param name metric name @param help description @param read returns the series: label values → value */
  constructor(
    readonly name: string,
    readonly help: string,
    readonly labels: readonly string[],
    private readonly read: () => readonly [LabelValues, number][],
  ) {}

  /** Prometheus text exposition lines. */
  render(): string[] {
    const out = [`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} gauge`];
    for (const [values, v] of this.read()) out.push(`${this.name}${labelText(this.labels, values)} ${formatNumber(v)}`);
    return out;
  }
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

/** The server's metrics: request counts and latencies per route and status, selections per method and backend, process memory. */
export class ServerMetrics {
  /** `d2pruner_http_requests_total{method,route,status}`. */
  readonly requests = new Counter('d2pruner_http_requests_total', 'HTTP requests answered, by method, route pattern and status', ['method', 'route', 'status']);
  /** `d2pruner_http_request_duration_seconds{method,route}`. */
  readonly latency = new Histogram('d2pruner_http_request_duration_seconds', 'HTTP request latency (arrival to response sent)', ['method', 'route'], LATENCY_BUCKETS);
  /** `d2pruner_selections_total{method,backend}`. */
  readonly selections = new Counter('d2pruner_selections_total', 'Selections computed, by pruning method and the kernel backend that ran', ['method', 'backend']);
  /** `d2pruner_selection_duration_seconds{method,backend}`. */
  readonly selectionTime = new Histogram('d2pruner_selection_duration_seconds', 'Time inside the pruning method (timings.totalMs)', ['method', 'backend'], LATENCY_BUCKETS);
  /** `d2pruner_request_errors_total{code}`. */
  readonly errors = new Counter('d2pruner_request_errors_total', 'Error responses and failed batch lines, by error code', ['code']);
  /** `d2pruner_rejected_total{reason}`. */
  readonly rejected = new Counter('d2pruner_rejected_total', 'Requests refused before any work (overloaded, shutting down)', ['reason']);
  /** `d2pruner_generations_total{method,outcome}`: outcome `done`, `error`, `timeout` or `cancelled` (client gone); method `none` without pruning. */
  readonly generations = new Counter('d2pruner_generations_total', 'Generations of POST /v1/generate that started, by pruning method and outcome', ['method', 'outcome']);
  /** `d2pruner_generated_tokens_total`. */
  readonly generatedTokens = new Counter('d2pruner_generated_tokens_total', 'Tokens streamed by POST /v1/generate');
  /** `d2pruner_generation_prefill_seconds{method}`. */
  readonly prefillTime = new Histogram('d2pruner_generation_prefill_seconds', 'LLM prefill time of finished generations (prefillMs)', ['method'], LATENCY_BUCKETS);
  private readonly gauges: Gauge[];
  private readonly started = Date.now();

  /** @param sources live values for the gauges */
  constructor(sources: MetricsSources) {
    this.gauges = [
      new Gauge('d2pruner_in_flight_requests', 'Pruning requests holding a concurrency slot', [], () => [[[], sources.inFlight()]]),
      new Gauge('d2pruner_backend_info', 'Kernel backend used by default (1 = in use)', ['backend', 'adapter'], () => {
        const b = sources.backend();
        return [[[b.name, b.adapter], 1]];
      }),
      new Gauge('d2pruner_model_loaded', 'A generation model is loaded (--model-dir)', [], () => [[[], sources.model?.().loaded ? 1 : 0]]),
      new Gauge('d2pruner_generations_in_flight', 'Generations running (at most 1)', [], () => [[[], sources.model?.().generating ? 1 : 0]]),
      new Gauge('process_resident_memory_bytes', 'Resident set size', [], () => [[[], process.memoryUsage().rss]]),
      new Gauge('nodejs_heap_used_bytes', 'V8 heap in use', [], () => [[[], process.memoryUsage().heapUsed]]),
      new Gauge('nodejs_external_memory_bytes', 'Memory of Buffers and other objects outside the V8 heap', [], () => [[[], process.memoryUsage().external]]),
      new Gauge('process_uptime_seconds', 'Seconds since the server started', [], () => [[[], (Date.now() - this.started) / 1000]]),
    ];
  }

  /** The whole exposition (text format 0.0.4). */
  render(): string {
    const parts = [this.requests, this.latency, this.selections, this.selectionTime, this.errors, this.rejected, this.generations, this.generatedTokens, this.prefillTime, ...this.gauges].map((m) => m.render().join('\n'));
    return parts.join('\n') + '\n';
  }
}
