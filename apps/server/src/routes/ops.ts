import { listMethods } from '@d2pruner/methods';
import type { FastifyInstance } from 'fastify';
import { openApiDocument } from '../openapi.js';
import type { ServerState } from '../state.js';

/** The server's version (the package's). */
export const SERVER_VERSION = '0.1.0';

/** `GET /healthz`, `GET /metrics`, `GET /openapi.json` and `GET /docs` (→ /openapi.json). */
export function opsRoutes(app: FastifyInstance, state: ServerState, started: number): void {
  app.get('/healthz', async () => {
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

  app.get('/metrics', async (_request, reply) => reply.type('text/plain; version=0.0.4; charset=utf-8').send(state.metrics.render()));

  app.get('/openapi.json', async () => openApiDocument(listMethods(), SERVER_VERSION));

  app.get('/docs', async (_request, reply) => reply.redirect('/openapi.json'));
}
