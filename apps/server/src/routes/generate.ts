import { PassThrough } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import { requestSignal } from '../deadline.js';
import { errorResponse } from '../http-error.js';
import { checkGenerateLimits } from '../generate-limits.js';
import { PARSED_IMAGE } from '../input/generate-body.js';
import { parseGenerateRequest } from '../input/generate-request.js';
import type { EncodedImage } from '../input/image.js';
import { EVENT_STREAM_TYPE, sseEvent } from '../sse.js';
import type { RouteSchemas } from '../schemas/routes.js';
import type { ServerState } from '../state.js';

/**
 * `POST /v1/generate` (servers started with `--model-dir`): a JSON body
 * `{prompt, image, method?, keep? | ratio? | noPrune?, params?, maxNewTokens?, importance?, layout?}`
 * → `text/event-stream`: `event: token` per generated token (`{"index","id","text"}`), then
 * `event: done` with the `d2pruner generate --json` summary, or `event: error` with the error JSON
 * when generation fails once the stream has begun. The stream (status 200) begins with the first
 * token: a request that fails before it — validation, image decoding, the prefill — gets the usual
 * status and error JSON. Takes a concurrency slot, runs one generation at a time per model
 * (503 `OVERLOADED` otherwise), is bounded by `--generate-timeout-ms`, and a client that goes
 * away stops the generation before its next token.
 */
export function generateRoute(app: FastifyInstance, state: ServerState, schema: RouteSchemas['generate']): void {
  // without a model the route does not exist for this server: 404 before the body is validated
  const preValidation = async (): Promise<void> => {
    state.model.require();
  };
  app.post('/v1/generate', { schema, config: { gated: true, generation: true }, preValidation }, async (request, reply) => {
    const { model, metrics, config } = state;
    const spec = parseGenerateRequest(request.body, model.imageToken, { maxPromptChars: model.maxPromptChars, image: (request.body as { [PARSED_IMAGE]?: EncodedImage | Error } | undefined)?.[PARSED_IMAGE] });
    checkGenerateLimits(spec, config, model.maxPositions);
    const image = await model.decodeImage(spec.image);
    const signal = requestSignal(request);
    const label = spec.method ?? 'none';
    // the deadline bounds the request; a long prefill sends no bytes, which the socket's idle timeout must allow
    request.raw.setTimeout(config.generateTimeoutMs + 5_000);
    let clientGone = false;
    reply.raw.once('close', () => {
      if (!reply.raw.writableFinished) clientGone = true;
    });

    const out = new PassThrough();
    let index = 0;
    let streaming = false;
    const open = () => {
      if (streaming || reply.sent || reply.raw.headersSent) return;
      streaming = true;
      reply.code(200).header('cache-control', 'no-cache').header('x-accel-buffering', 'no').type(EVENT_STREAM_TYPE).send(out);
    };
    try {
      const summary = await model.generate(spec, image, signal, (token) => {
        open();
        metrics.generatedTokens.inc();
        out.write(sseEvent('token', { index: index++, id: token.id, text: token.text }));
      });
      metrics.generations.inc([label, 'done']);
      metrics.prefillTime.observe([label], summary.prefillMs / 1000);
      open();
      if (streaming) out.end(sseEvent('done', summary));
      return reply;
    } catch (e) {
      const { body } = errorResponse(e);
      if (body.error.code === 'OVERLOADED') metrics.rejected.inc(['overloaded']);
      else metrics.generations.inc([label, clientGone ? 'cancelled' : body.error.code === 'TIMEOUT' ? 'timeout' : 'error']);
      if (!streaming) {
        if (reply.sent || reply.raw.headersSent) return reply; // the deadline has answered 504
        throw e;
      }
      metrics.errors.inc([body.error.code]);
      out.end(sseEvent('error', body));
      return reply;
    }
  });
}
