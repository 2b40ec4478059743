import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Socket } from 'node:net';
import { MAX_QUOTED_CHARS } from '@d2pruner/core';
import { listMethods } from '@d2pruner/methods';
import fastifyStatic from '@fastify/static';
import fastifySwagger from '@fastify/swagger';
import Fastify, { LogController, type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { BackendManager, type WebGpuLoader } from './backend.js';
import { BodyBudget, bufferedBytesLimit, declaredLength } from './body-budget.js';
import { ClientConnections } from './client-connections.js';
import type { ServerConfig } from './config.js';
import { createPrunePool } from '@d2pruner/pipeline/node';
import { ConcurrencyGate } from './gate.js';
import { checkJsonBody, jsonBounds } from './input/json-scan.js';
import { armDeadline, requestSignal } from './deadline.js';
import { JsonBodyPool, OFFLOAD_JSON_BYTES } from './input/json-body-pool.js';
import { PARSED_INPUT } from './input/prune-body.js';
import { PARSED_IMAGE } from './input/generate-body.js';
import { HttpError, clipText, errorResponse, type ErrorBody } from './http-error.js';
import { ServerMetrics } from './metrics.js';
import { ModelManager, type TransformersLoader } from './model.js';
import { batchRoute, NDJSON_TYPES } from './routes/batch.js';
import { catalogRoutes } from './routes/catalog.js';
import { evalRoute } from './routes/eval.js';
import { generateRoute } from './routes/generate.js';
import { opsRoutes } from './routes/ops.js';
import { pruneRoute } from './routes/prune.js';
import { SERVER_VERSION } from './routes/ops.js';
import { methodParamsSchema } from './schemas/params.js';
import { documentedSchema, namedSchemas, routeSchemas } from './schemas/routes.js';
import { validatorCompiler } from './schemas/validator.js';
import { SampleStore } from './samples.js';
import type { GatedRouteConfig, ServerState } from './state.js';
import { UploadGuard } from './upload-guard.js';

/** Options of {@link createApp} besides the configuration (tests inject these). */
export interface AppOptions {
  /** WebGPU loader (default: `@d2pruner/kernels-webgpu/register`). */
  webgpuLoader?: WebGpuLoader;
  /** `@d2pruner/transformers` loader for `--model-dir` (default: a dynamic import). */
  transformersLoader?: TransformersLoader;
}

/** The app and the state behind it. */
export interface App {
  app: FastifyInstance;
  state: ServerState;
}

const RELEASE = Symbol('release');
const STARTED = Symbol('started');
type Tracked = FastifyRequest & { [RELEASE]?: () => void; [STARTED]?: bigint };
/** Paths whose routes take a JSON body. */
const JSON_ROUTES: ReadonlySet<string> = new Set(['/v1/prune', '/v1/generate']);
/** Methods whose bodies Fastify never reads (Node discards them): they hold no body bytes. */
const BODYLESS: ReadonlySet<string> = new Set(['GET', 'HEAD', 'TRACE']);
/** Paths whose requests take a concurrency slot (their routes set `config.gated`). */
const GATED_PATHS: ReadonlySet<string> = new Set(['/v1/prune', '/v1/prune/batch', '/v1/generate', '/v1/eval']);

function overloaded(limit: number): HttpError {
  return new HttpError('OVERLOADED', 'server', `${limit} pruning requests are in flight (--max-concurrent); retry shortly`, { 'retry-after': '1' });
}

function sendError(reply: FastifyReply, e: unknown, state: ServerState): FastifyReply {
  const r = errorResponse(e, reply.request?.headers);
  state.metrics.errors.inc([r.body.error.code]);
  return reply.code(r.status).headers(r.headers).type('application/json; charset=utf-8').send(JSON.stringify(r.body));
}

const REASONS: Readonly<Record<number, string>> = { 400: 'Bad Request', 408: 'Request Timeout', 413: 'Payload Too Large', 431: 'Request Header Fields Too Large' };

/**
 * Answers a connection-level client error (malformed HTTP, headers over Node's limit, a request
 * that timed out before routing) with the documented error body, and counts it; the socket closes.
 */
function answerClientError(error: Error & { code?: string; rawPacket?: unknown }, socket: Socket, state: ServerState): void {
  const status = error.code === 'HPE_HEADER_OVERFLOW' ? 431 : error.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? 408 : 400;
  const e = status === 431 ? new HttpError('HEADERS_TOO_LARGE', 'headers', 'the request headers exceed the server limit (16 KiB)') : status === 408 ? new HttpError('SLOW_UPLOAD', 'request', 'the request was not received in time') : new HttpError('MALFORMED_REQUEST', 'request', 'malformed HTTP request');
  const body: ErrorBody = errorResponse(e).body;
  state.metrics.errors.inc([e.code]);
  state.metrics.requests.inc(['UNKNOWN', 'unmatched', String(status)]);
  if (!socket.writable) {
    socket.destroy();
    return;
  }
  const text = JSON.stringify(body);
  socket.end(`HTTP/1.1 ${status} ${REASONS[status]}\r\ncontent-type: application/json; charset=utf-8\r\ncontent-length: ${Buffer.byteLength(text)}\r\nconnection: close\r\n\r\n${text}`);
}

/** How often Node checks for requests whose headers are late: a quarter of the limit, between 50 ms and 1 s. */
export function connectionsCheckMs(headersTimeoutMs: number): number {
  return Math.max(50, Math.min(1000, Math.floor(headersTimeoutMs / 4)));
}

/** Whether a static path is canonical: no `.`/`..` segments, no NUL, no backslash. */
function canonicalStaticPath(path: string): boolean {
  return !path.includes('\0') && !path.includes('\\') && !path.split('/').some((seg) => seg === '.' || seg === '..');
}

/**
 * Builds the Fastify app: content types (safetensors bytes, JSON, NDJSON streams), the
 * concurrency gate and shutdown refusal (`onRequest`), metrics (`onResponse`), the typed error
 * responses, every route, and the built web app at `/`. Loads the model of `--model-dir` (a typed
 * error with field `model-dir` when it cannot) and probes the backends before returning.
 */
export async function createApp(config: ServerConfig, options: AppOptions = {}): Promise<App> {
  const model = new ModelManager(config, options.transformersLoader);
  await model.init();
  const backends = new BackendManager(config.backend, options.webgpuLoader);
  await backends.init();
  const gate = new ConcurrencyGate(config.maxConcurrent);
  const bodies = new BodyBudget(bufferedBytesLimit(config));
  const samples = new SampleStore(config.sampleDirs);
  const webAvailable = config.webDir !== null && existsSync(join(config.webDir, 'index.html'));
  const metrics = new ServerMetrics({
    inFlight: () => gate.inFlight,
    backend: () => ({ name: backends.defaultBackend, adapter: backends.health().adapter }),
    model: () => ({ loaded: model.loaded, generating: model.generating }),
  });
  const caps = { maxElements: config.maxElements, maxTokens: config.maxTokens, maxDim: config.maxDim };
  const state: ServerState = {
    config,
    backends,
    samples,
    metrics,
    gate,
    bodies,
    clientConnections: new ClientConnections(config.maxConnectionsPerClient, () => metrics.rejected.inc(['client_connections'])),
    model,
    caps,
    pool: config.workers > 0 ? createPrunePool({ workers: config.workers }) : undefined,
    jsonBodies: config.workers > 0 ? new JsonBodyPool(caps, listMethods().map((m) => m.name)) : undefined,
    webAvailable,
    closing: false,
    runContext: () => ({
      defaultBackend: backends.defaultBackend,
      ensureBackend: (b) => backends.ensure(b),
      readFile: (name) => samples.read(name, 'input'),
      pool: state.pool,
      limits: config,
    }),
  };

  const app = Fastify({
    logger: { level: config.logLevel },
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: config.maxBodyBytes,
    connectionTimeout: 2 * config.timeoutMs,
    // Node checks the headers' deadline only every connectionsCheckingInterval (30 s by default):
    // check often enough that a client trickling its headers is cut off close to the limit
    http: { headersTimeout: config.headersTimeoutMs, requestTimeout: 0, connectionsCheckingInterval: connectionsCheckMs(config.headersTimeoutMs) },
    return503OnClosing: false,
    forceCloseConnections: 'idle',
    clientErrorHandler: (error, socket) => answerClientError(error, socket, state),
    frameworkErrors: (error, request, reply) => {
      // refused before routing (a URL that does not decode, …): Fastify runs no hooks for these,
      // so count the request here, as `onResponse` counts the others
      const started = process.hrtime.bigint();
      const raw = (reply as FastifyReply).raw;
      raw.once('close', () => {
        metrics.requests.inc([request.method, 'unmatched', String(raw.statusCode)]);
        metrics.latency.observe([request.method, 'unmatched'], Number(process.hrtime.bigint() - started) / 1e9);
      });
      sendError(reply as FastifyReply, error, state);
    },
  });

  app.server.maxConnections = config.maxConnections;
  app.server.on('drop', () => metrics.rejected.inc(['connections']));
  // after Node's HTTP listener has taken the socket, in the same tick: one over its client's
  // limit is destroyed before a byte of it is read
  state.clientConnections.watch(app.server);
  app.setValidatorCompiler(validatorCompiler);
  const methods = listMethods();
  const schemas = routeSchemas(methods);
  await app.register(fastifySwagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'd2pruner server',
        version: SERVER_VERSION,
        description: 'Visual-token pruning over HTTP: D2Pruner (arXiv 2512.19443) and baselines. Errors are {"error":{"code","field","message"}}. Generated from the route schemas the server validates with.',
      },
      components: { schemas: { ...namedSchemas(methods.map((m) => m.name)), ...Object.fromEntries(methods.map((m) => [`params.${m.name}`, methodParamsSchema(m) as object])) } },
    },
    transform: ({ schema, url }) => ({ schema: documentedSchema(url, schema as Record<string, unknown>) as typeof schema, url }),
  });

  app.removeContentTypeParser('application/json');
  const parseJson = app.getDefaultJsonParser('error', 'error');
  const bounds = jsonBounds(state.caps);
  app.addContentTypeParser('application/json', { parseAs: 'buffer', bodyLimit: config.maxBodyBytes }, (request, body, done) => {
    const bytes = body as Buffer;
    const route = request.routeOptions.url;
    // only these routes take JSON: any other (a stream route, an unknown path, /v1/generate
    // without a model) answers without reading it, so parsing it would only hold the event loop
    if (!JSON_ROUTES.has(route ?? '') || (route === '/v1/generate' && !state.model.loaded)) {
      done(null, undefined);
      return;
    }
    const pool = state.jsonBodies;
    if (pool && bytes.byteLength >= OFFLOAD_JSON_BYTES) {
      // a large body: parsed and checked by the JSON thread, which also decodes a generate
      // body's image or copies a token input into typed arrays
      const signal = requestSignal(request);
      const parsed =
        route === '/v1/generate'
          ? pool.parseGenerate(bytes, state.model.maxPromptChars, signal).then(({ fields, image, imageError }) => ({ ...fields, [PARSED_IMAGE]: image ?? imageError }))
          : pool.parse(bytes, signal).then(({ fields, input }) => ({ ...fields, [PARSED_INPUT]: input }));
      parsed.then(
        (parsedBody) => done(null, parsedBody),
        (e: unknown) => done(e as Error, undefined),
      );
      return;
    }
    const text = bytes.toString('utf8');
    try {
      checkJsonBody(text, bounds);
    } catch (e) {
      done(e as Error, undefined);
      return;
    }
    parseJson(request, text, done);
  });

  app.addContentTypeParser(['application/octet-stream', 'application/vnd.safetensors'], { parseAs: 'buffer', bodyLimit: config.maxBodyBytes }, (_req, body, done) => done(null, body));
  app.addContentTypeParser(NDJSON_TYPES as string[], (_req, payload, done) => done(null, payload));

  app.addHook('onRequest', async (request, reply) => {
    const r = request as Tracked;
    r[STARTED] = process.hrtime.bigint();
    if (state.closing) {
      state.metrics.rejected.inc(['shutting_down']);
      reply.header('connection', 'close');
      return sendError(reply, new HttpError('SHUTTING_DOWN', 'server', 'the server is shutting down', { 'retry-after': '1' }), state);
    }
    const routeConfig = (request.routeOptions.config ?? {}) as GatedRouteConfig;
    if (!routeConfig.streaming) armDeadline(request, reply, routeConfig.generation ? config.generateTimeoutMs : config.timeoutMs, (e) => sendError(reply, e, state));
  });

  app.addHook('preParsing', async (request, reply, payload) => {
    const streaming = ((request.routeOptions.config ?? {}) as GatedRouteConfig).streaming === true;
    // a whole body is held in memory until the response has gone: its bytes count against
    // --max-buffered-bytes, all of a declared Content-Length before a byte is read (one over
    // --max-body-bytes is left to Fastify's 413), else chunk by chunk as they arrive
    const hold = streaming || BODYLESS.has(request.method) ? undefined : bodies.hold();
    const declared = declaredLength(request.headers['content-length']);
    if (hold) {
      reply.raw.once('close', () => hold.release());
      if (declared !== undefined && declared <= config.maxBodyBytes) {
        try {
          hold.take(declared);
        } catch (e) {
          state.metrics.rejected.inc(['buffered_bytes']);
          throw e;
        }
      }
    }
    const guard = new UploadGuard(
      { idleTimeoutMs: config.idleTimeoutMs, minUploadRate: streaming ? 0 : config.minUploadRate, lineTimeoutMs: config.timeoutMs, bodyTimeoutMs: streaming ? config.streamTimeoutMs : 0 },
      streaming,
      declared === undefined ? hold : undefined,
    );
    payload.once('error', (e) => guard.destroy(e));
    // a reply sent before the body is read (413 on Content-Length, 422, 503) leaves the guard
    // with no reader: retire it with the response so its timer cannot fail it later
    reply.raw.once('close', () => guard.retire());
    return payload.pipe(guard);
  });

  app.addHook('preHandler', async (request, reply) => {
    const r = request as Tracked;
    const routeConfig = (request.routeOptions.config ?? {}) as GatedRouteConfig;
    if (!routeConfig.gated || routeConfig.streaming) return;
    const release = gate.tryAcquire();
    if (!release) {
      state.metrics.rejected.inc(['overloaded']);
      request.raw.resume();
      return sendError(reply, overloaded(gate.limit), state);
    }
    r[RELEASE] = release;
    reply.raw.once('close', release);
  });

  app.addHook('onSend', async (request, reply, payload) => {
    // a response that goes before its request's body has arrived (an early error, a GET carrying
    // a body) closes the connection: else Node would read the rest of the body, however slowly
    // it comes, to keep the connection alive (a batch's results stream while its body does)
    const streamed = ((request.routeOptions.config ?? {}) as GatedRouteConfig).streaming === true && reply.statusCode < 400;
    if (state.closing || (!streamed && !request.raw.complete)) reply.header('connection', 'close');
    return payload;
  });

  app.addHook('onResponse', async (request, reply) => {
    const r = request as Tracked;
    r[RELEASE]?.();
    if (state.closing) setImmediate(() => app.server.closeIdleConnections());
    const route = request.routeOptions.url ?? 'unmatched';
    const seconds = r[STARTED] === undefined ? 0 : Number(process.hrtime.bigint() - r[STARTED]) / 1e9;
    metrics.requests.inc([request.method, route, String(reply.statusCode)]);
    metrics.latency.observe([request.method, route], seconds);
  });

  app.server.on('checkContinue', (req, res) => {
    const path = (req.url ?? '').split('?')[0];
    const declared = declaredLength(req.headers['content-length']);
    const refuse = state.closing
      ? new HttpError('SHUTTING_DOWN', 'server', 'the server is shutting down', { 'retry-after': '1' })
      : GATED_PATHS.has(path) && gate.inFlight >= gate.limit
        ? overloaded(gate.limit)
        : declared !== undefined && declared <= config.maxBodyBytes && !bodies.fits(declared)
          ? bodies.overloaded(declared)
          : null;
    if (!refuse) {
      res.writeContinue();
      app.server.emit('request', req, res);
      return;
    }
    state.metrics.rejected.inc([refuse.code === 'SHUTTING_DOWN' ? 'shutting_down' : refuse.field === 'body' ? 'buffered_bytes' : 'overloaded']);
    state.metrics.errors.inc([refuse.code]);
    state.metrics.requests.inc([req.method ?? 'POST', GATED_PATHS.has(path) ? path : 'unmatched', '503']);
    res.writeHead(503, { 'content-type': 'application/json; charset=utf-8', connection: 'close', ...refuse.headers });
    res.end(JSON.stringify(errorResponse(refuse).body));
  });

  app.setErrorHandler((error, _request, reply) => sendError(reply, error, state));
  app.setNotFoundHandler((request, reply) => {
    const hint = !webAvailable && (request.url === '/' || request.url.startsWith('/index.html')) ? ' — the web app is not built: run `npm run build -w @d2pruner/web` (npm start does it)' : '';
    return sendError(reply, new HttpError('NOT_FOUND', 'path', `no route ${request.method} ${clipText(request.url.split('?')[0], MAX_QUOTED_CHARS)}${hint}`), state);
  });

  app.addHook('onClose', async () => {
    await state.jsonBodies?.close();
    await state.pool?.close();
  });
  await state.pool?.warm();

  pruneRoute(app, state, schemas.prune);
  batchRoute(app, state, schemas.batch);
  evalRoute(app, state, schemas.eval);
  generateRoute(app, state, schemas.generate);
  catalogRoutes(app, state, schemas);
  opsRoutes(app, state, Date.now(), schemas);
  if (webAvailable && config.webDir) {
    await app.register(fastifyStatic, { root: config.webDir, prefix: '/', index: 'index.html', schemaHide: true, allowedPath: (path) => canonicalStaticPath(path) });
  }
  return { app, state };
}
