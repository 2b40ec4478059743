import { availableParallelism } from 'node:os';
import { InvalidArgumentError, parseDecimal } from '@d2pruner/core';
import { defaultSampleDirs, defaultWebDir } from './paths.js';

/** Backend policy of the server: `auto` uses WebGPU on a hardware adapter, else the CPU. */
export type BackendMode = 'auto' | 'cpu' | 'webgpu';

/** Everything the server can be configured with (flags override environment variables). */
export interface ServerConfig {
  /** Interface to listen on (`--host`, `HOST`; default 127.0.0.1). */
  host: string;
  /** Port (`--port`, `PORT`; default 8080; 0 = any free port). */
  port: number;
  /** Largest request body in bytes (`--max-body-bytes`, `D2PRUNER_MAX_BODY_BYTES`; default 64 MiB). */
  maxBodyBytes: number;
  /**
   * Bytes of request bodies held at once, uploads in progress and requests in flight
   * (`--max-buffered-bytes`, `D2PRUNER_MAX_BUFFERED_BYTES`; default 0 = `maxConcurrent × maxBodyBytes`) → 503.
   */
  maxBufferedBytes: number;
  /** Largest N×D of any matrix in one input (`--max-elements`, `D2PRUNER_MAX_ELEMENTS`; default 2^24). */
  maxElements: number;
  /** Largest N of one input, and largest row count of a text tensor (`--max-tokens`, `D2PRUNER_MAX_TOKENS`; default 16384). */
  maxTokens: number;
  /** Largest width (columns) of any matrix: D of features, keys, text tensors (`--max-dim`, `D2PRUNER_MAX_DIM`; default 16384). */
  maxDim: number;
  /**
   * Largest N for quadratic work (`--max-dense-tokens`, `D2PRUNER_MAX_DENSE_TOKENS`; default 4096):
   * D2Pruner `graph=dense` needs N ≤ it, CDPruner keep·N ≤ its square.
   */
  maxDenseTokens: number;
  /** Largest sequence position a parameter may name: `queryPosition`, `visualStart`, `sequenceOffset` (`--max-sequence`, `D2PRUNER_MAX_SEQUENCE`; default 131072). */
  maxSequence: number;
  /** Worker threads that run the pruning requests off the event loop (`--workers`, `D2PRUNER_WORKERS`; default: one per core; 0 = on the event loop). */
  workers: number;
  /** No byte of a request body (or of a batch line) for this long → 408 (`--idle-timeout-ms`, `D2PRUNER_IDLE_TIMEOUT_MS`; default 5000). */
  idleTimeoutMs: number;
  /** Slowest accepted upload in bytes/s, measured after the first second (`--min-upload-rate`, `D2PRUNER_MIN_UPLOAD_RATE`; default 4096) → 408. */
  minUploadRate: number;
  /** Pruning requests in flight before new ones get 503 (`--max-concurrent`, `D2PRUNER_MAX_CONCURRENT`; default 16). */
  maxConcurrent: number;
  /** Per-request time limit in ms, body upload included (`--timeout-ms`, `D2PRUNER_TIMEOUT_MS`; default 30000). */
  timeoutMs: number;
  /**
   * Longest time a `POST /v1/prune/batch` or `POST /v1/eval` body may take to arrive, from the
   * request's start (`--stream-timeout-ms`, `D2PRUNER_STREAM_TIMEOUT_MS`; default 3600000; 0 = none)
   * → a `SLOW_UPLOAD` error (the batch's last line) and the connection closed.
   */
  streamTimeoutMs: number;
  /** Longest time for a request's headers to arrive (`--headers-timeout-ms`, `D2PRUNER_HEADERS_TIMEOUT_MS`; default 10000) → 408 and the connection closed. */
  headersTimeoutMs: number;
  /** Open connections at most; further ones are closed at once, unanswered (`--max-connections`, `D2PRUNER_MAX_CONNECTIONS`; default 1024). */
  maxConnections: number;
  /**
   * Open connections one client address may hold; further ones are closed at once, unanswered
   * (`--max-connections-per-client`, `D2PRUNER_MAX_CONNECTIONS_PER_CLIENT`; default 256; 0 = no
   * per-client limit, for a server behind a reverse proxy, where every connection comes from the proxy).
   */
  maxConnectionsPerClient: number;
  /** How long shutdown waits for in-flight requests (`--shutdown-timeout-ms`, `D2PRUNER_SHUTDOWN_TIMEOUT_MS`; default 10000). */
  shutdownTimeoutMs: number;
  /** Kernel backend policy (`--backend`, `D2PRUNER_BACKEND`; default auto). */
  backend: BackendMode;
  /** Requests of one batch run at once (`--batch-concurrency`, `D2PRUNER_BATCH_CONCURRENCY`; default 2). */
  batchConcurrency: number;
  /** Folder of the built web app, or null to serve none (`--web-dir`, `D2PRUNER_WEB_DIR`). */
  webDir: string | null;
  /** Folders whose `*.safetensors` are the bundled samples (`--samples-dir`, `D2PRUNER_SAMPLES_DIR`, `:`-separated). */
  sampleDirs: string[];
  /** Log level of the request logger (`--log-level`, `LOG_LEVEL`; default warn). */
  logLevel: string;
  /** A transformers.js LLaVA directory to serve `POST /v1/generate` with, or null for none (`--model-dir`, `D2PRUNER_MODEL_DIR`). */
  modelDir: string | null;
  /** transformers.js device of the model (`--model-device`, `D2PRUNER_MODEL_DEVICE`; default cpu). */
  modelDevice: string;
  /** transformers.js dtype of the model, or null for config.json's (`--model-dtype`, `D2PRUNER_MODEL_DTYPE`). */
  modelDtype: string | null;
  /** Time limit of one generation in ms, body upload included (`--generate-timeout-ms`, `D2PRUNER_GENERATE_TIMEOUT_MS`; default 300000). */
  generateTimeoutMs: number;
}

const MiB = 1024 * 1024;

/** The defaults (paths point into this repository). */
export function defaultConfig(): ServerConfig {
  return {
    host: '127.0.0.1',
    port: 8080,
    maxBodyBytes: 64 * MiB,
    maxBufferedBytes: 0,
    maxElements: 1 << 24,
    maxTokens: 16384,
    maxDim: 16384,
    maxDenseTokens: 4096,
    maxSequence: 131072,
    workers: availableParallelism(),
    idleTimeoutMs: 5000,
    minUploadRate: 4096,
    maxConcurrent: 16,
    timeoutMs: 30_000,
    shutdownTimeoutMs: 10_000,
    streamTimeoutMs: 3_600_000,
    headersTimeoutMs: 10_000,
    maxConnections: 1024,
    maxConnectionsPerClient: 256,
    backend: 'auto',
    batchConcurrency: Math.max(1, Math.min(2, availableParallelism())),
    webDir: defaultWebDir(),
    sampleDirs: defaultSampleDirs(),
    logLevel: 'warn',
    modelDir: null,
    modelDevice: 'cpu',
    modelDtype: null,
    generateTimeoutMs: 300_000,
  };
}

/** `path` and `optional`: '' or 'none' mean null. */
type Kind = 'string' | 'int' | 'backend' | 'path' | 'optional' | 'paths';

interface OptionSpec {
  key: keyof ServerConfig;
  flag: string;
  env: string;
  kind: Kind;
  min?: number;
  help: string;
}

/** Every option: its flag, its environment variable, and what it means (printed by `--help`). */
export const SERVER_OPTIONS: readonly OptionSpec[] = [
  { key: 'host', flag: 'host', env: 'HOST', kind: 'string', help: 'interface to listen on (default 127.0.0.1)' },
  { key: 'port', flag: 'port', env: 'PORT', kind: 'int', min: 0, help: 'port (default 8080; 0 = any free port, printed on start-up)' },
  { key: 'maxBodyBytes', flag: 'max-body-bytes', env: 'D2PRUNER_MAX_BODY_BYTES', kind: 'int', min: 1, help: 'largest request body, and largest line of a batch body (default 67108864) → 413' },
  { key: 'maxBufferedBytes', flag: 'max-buffered-bytes', env: 'D2PRUNER_MAX_BUFFERED_BYTES', kind: 'int', min: 0, help: 'request body bytes held at once, uploads included (default 0 = --max-concurrent × --max-body-bytes) → 503 + Retry-After' },
  { key: 'maxElements', flag: 'max-elements', env: 'D2PRUNER_MAX_ELEMENTS', kind: 'int', min: 1, help: 'largest N×D of any matrix (default 16777216) → 413' },
  { key: 'maxTokens', flag: 'max-tokens', env: 'D2PRUNER_MAX_TOKENS', kind: 'int', min: 1, help: 'largest N, and largest row count of a text tensor (default 16384) → 413' },
  { key: 'maxDim', flag: 'max-dim', env: 'D2PRUNER_MAX_DIM', kind: 'int', min: 1, help: 'largest matrix width D (default 16384) → 413' },
  { key: 'maxDenseTokens', flag: 'max-dense-tokens', env: 'D2PRUNER_MAX_DENSE_TOKENS', kind: 'int', min: 1, help: 'largest N of quadratic work: graph=dense N, CDPruner keep·N ≤ its square (default 4096) → 413' },
  { key: 'maxSequence', flag: 'max-sequence', env: 'D2PRUNER_MAX_SEQUENCE', kind: 'int', min: 1, help: 'largest queryPosition / visualStart / sequenceOffset (default 131072) → 422' },
  { key: 'workers', flag: 'workers', env: 'D2PRUNER_WORKERS', kind: 'int', min: 0, help: 'worker threads that prune off the event loop (default: one per core; 0 = on the event loop)' },
  { key: 'idleTimeoutMs', flag: 'idle-timeout-ms', env: 'D2PRUNER_IDLE_TIMEOUT_MS', kind: 'int', min: 1, help: 'longest pause in a request body or a batch line (default 5000) → 408' },
  { key: 'minUploadRate', flag: 'min-upload-rate', env: 'D2PRUNER_MIN_UPLOAD_RATE', kind: 'int', min: 0, help: 'slowest accepted upload in bytes/s after the first second (default 4096; 0 = no minimum) → 408' },
  { key: 'maxConcurrent', flag: 'max-concurrent', env: 'D2PRUNER_MAX_CONCURRENT', kind: 'int', min: 1, help: 'pruning requests in flight before 503 + Retry-After (default 16); a slot is taken once a body (a batch line) is in' },
  { key: 'timeoutMs', flag: 'timeout-ms', env: 'D2PRUNER_TIMEOUT_MS', kind: 'int', min: 1, help: 'per-request limit, upload included (default 30000) → 504' },
  { key: 'streamTimeoutMs', flag: 'stream-timeout-ms', env: 'D2PRUNER_STREAM_TIMEOUT_MS', kind: 'int', min: 0, help: 'longest upload of a batch or eval body, from the request start (default 3600000; 0 = none) → SLOW_UPLOAD, connection closed' },
  { key: 'headersTimeoutMs', flag: 'headers-timeout-ms', env: 'D2PRUNER_HEADERS_TIMEOUT_MS', kind: 'int', min: 1, help: 'longest time for request headers to arrive (default 10000) → 408, connection closed' },
  { key: 'maxConnections', flag: 'max-connections', env: 'D2PRUNER_MAX_CONNECTIONS', kind: 'int', min: 1, help: 'open connections at most; more are closed at once (default 1024)' },
  { key: 'maxConnectionsPerClient', flag: 'max-connections-per-client', env: 'D2PRUNER_MAX_CONNECTIONS_PER_CLIENT', kind: 'int', min: 0, help: 'open connections of one client address at most; more are closed at once (default 256; 0 = no limit: behind a reverse proxy every connection comes from the proxy)' },
  { key: 'shutdownTimeoutMs', flag: 'shutdown-timeout-ms', env: 'D2PRUNER_SHUTDOWN_TIMEOUT_MS', kind: 'int', min: 0, help: 'grace period for in-flight requests on SIGTERM/SIGINT (default 10000)' },
  { key: 'backend', flag: 'backend', env: 'D2PRUNER_BACKEND', kind: 'backend', help: 'auto (WebGPU on a hardware adapter, else CPU) | cpu | webgpu (any adapter, software too)' },
  { key: 'batchConcurrency', flag: 'batch-concurrency', env: 'D2PRUNER_BATCH_CONCURRENCY', kind: 'int', min: 1, help: 'requests of one batch in flight (default 2)' },
  { key: 'webDir', flag: 'web-dir', env: 'D2PRUNER_WEB_DIR', kind: 'path', help: "built web app to serve at / (default apps/web/dist; 'none' = no app)" },
  { key: 'sampleDirs', flag: 'samples-dir', env: 'D2PRUNER_SAMPLES_DIR', kind: 'paths', help: 'folders of bundled samples, ":"-separated (default fixtures/samples:fixtures/vectors/d2pruner)' },
  { key: 'logLevel', flag: 'log-level', env: 'LOG_LEVEL', kind: 'string', help: 'request log level: fatal|error|warn|info|debug|silent (default warn)' },
  { key: 'modelDir', flag: 'model-dir', env: 'D2PRUNER_MODEL_DIR', kind: 'path', help: 'transformers.js LLaVA directory, loaded at start-up, for POST /v1/generate (default none)' },
  { key: 'modelDevice', flag: 'model-device', env: 'D2PRUNER_MODEL_DEVICE', kind: 'string', help: 'transformers.js device of the model (default cpu)' },
  { key: 'modelDtype', flag: 'model-dtype', env: 'D2PRUNER_MODEL_DTYPE', kind: 'optional', help: "transformers.js dtype: fp32|fp16|q8|q4|… (default: config.json's, else fp32)" },
  { key: 'generateTimeoutMs', flag: 'generate-timeout-ms', env: 'D2PRUNER_GENERATE_TIMEOUT_MS', kind: 'int', min: 1, help: 'limit of one POST /v1/generate, upload included (default 300000) → 504 or an error event' },
];

function convert(spec: OptionSpec, raw: string): ServerConfig[keyof ServerConfig] {
  switch (spec.kind) {
    case 'int': {
      const v = parseDecimal(raw);
      if (v === undefined || !Number.isSafeInteger(v) || v < (spec.min ?? 0)) {
        throw new InvalidArgumentError(spec.flag, `--${spec.flag} (${spec.env}) must be an integer ≥ ${spec.min ?? 0}, got '${raw}'`);
      }
      return v;
    }
    case 'backend':
      if (raw !== 'auto' && raw !== 'cpu' && raw !== 'webgpu') throw new InvalidArgumentError(spec.flag, `--backend must be auto, cpu or webgpu, got '${raw}'`);
      return raw;
    case 'path':
    case 'optional':
      return raw === '' || raw === 'none' ? null : raw;
    case 'paths':
      return raw.split(':').filter((p) => p !== '');
    default:
      if (raw === '') throw new InvalidArgumentError(spec.flag, `--${spec.flag} needs a value`);
      return raw;
  }
}

function set(config: ServerConfig, spec: OptionSpec, raw: string): void {
  (config as unknown as Record<string, unknown>)[spec.key] = convert(spec, raw);
}

/** The result of parsing the command line: a configuration, or a request for help. */
export type ParsedServerArgs = { help: true } | { help: false; config: ServerConfig };

/**
 * Builds the configuration: defaults, then environment variables (empty ones are ignored), then
 * flags (`--port 0` or `--port=0`). Unknown flags and malformed values are typed errors naming the flag.
 */
export function parseServerArgs(argv: readonly string[], env: Record<string, string | undefined> = process.env, base: ServerConfig = defaultConfig()): ParsedServerArgs {
  const config: ServerConfig = { ...base, sampleDirs: [...base.sampleDirs] };
  for (const spec of SERVER_OPTIONS) {
    const v = env[spec.env];
    if (v !== undefined && v !== '') set(config, spec, v);
  }
  const byFlag = new Map(SERVER_OPTIONS.map((s) => [s.flag, s]));
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--help' || arg === '-h') return { help: true };
    if (!arg.startsWith('--')) throw new InvalidArgumentError(arg, `unexpected argument '${arg}'; see --help`);
    const eq = arg.indexOf('=');
    const name = eq < 0 ? arg.slice(2) : arg.slice(2, eq);
    const spec = byFlag.get(name);
    if (!spec) throw new InvalidArgumentError(name, `unknown option --${name}; see --help`);
    const value: string | undefined = eq < 0 ? argv[++i] : arg.slice(eq + 1);
    if (value === undefined) throw new InvalidArgumentError(name, `--${name} needs a value`);
    set(config, spec, value.trim());
  }
  return { help: false, config };
}

/** The `--help` text: every flag with its environment variable. */
export function serverHelp(): string {
  const lines = ['d2pruner-server [options]   (flags override environment variables)', ''];
  const flagWidth = Math.max(...SERVER_OPTIONS.map((s) => s.flag.length));
  const envWidth = Math.max(...SERVER_OPTIONS.map((s) => s.env.length));
  for (const s of SERVER_OPTIONS) lines.push(`  --${s.flag.padEnd(flagWidth)} ${s.env.padEnd(envWidth)} ${s.help}`);
  return lines.join('\n') + '\n';
}
