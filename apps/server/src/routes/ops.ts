import type { FastifyInstance } from 'fastify';
import type { RouteSchemas } from '../schemas/routes.js';
import type { ServerState } from '../state.js';

/** The server's version (the package's). */
export const SERVER_VERSION = '0.1.0';

/** `GET /healthz`, `GET /metrics`, `GET /openapi.json` and `GET /docs` (→ /openapi.json). */
export function opsRoutes(app: FastifyInstance, state: ServerState, started: number, schemas: RouteSchemas): void {
  app.get('/healthz', { schema: schemas.healthz }, async () => {
    const b = state.backends.health();
    return {
      status: 'ok',
      version: SERVER_VERSION,
      backend: b.backend,
      adapter: b.adapter,
      webgpu: b.webgpu,
      backendMode: b.mode,
      inFlight: state.gate.inFlight,
      maxConcurrent: state.gate.limit,
      uptimeS: (Date.now() - started) / 1000,
      web: state.webAvailable,
      model: state.model.health(),
    };
  });

  app.get('/metrics', { schema: schemas.metrics }, async (_request, reply) => reply.type(state.metrics.contentType).send(await state.metrics.render()));

  app.get('/openapi.json', { schema: schemas.openapi }, async (_request, reply) => reply.type('application/json; charset=utf-8').send(JSON.stringify(app.swagger())));

  app.get('/docs', { schema: { hide: true } }, async (_request, reply) => reply.redirect('/openapi.json'));
}
