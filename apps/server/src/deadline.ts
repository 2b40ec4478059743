import type { FastifyReply, FastifyRequest } from 'fastify';
import { HttpError } from './http-error.js';

const SIGNAL = Symbol('signal');
type WithSignal = FastifyRequest & { [SIGNAL]?: AbortSignal };

/**
 * The request's abort signal: aborted when its time limit (`--timeout-ms`) passes — the server
 * has then answered 504 `TIMEOUT` — or when the connection closes first. Work should stop then.
 * (Fastify's own `request.signal` also fires once a request body has been read, so it is not used.)
 */
export function requestSignal(request: FastifyRequest): AbortSignal {
  const r = request as WithSignal;
  r[SIGNAL] ??= new AbortController().signal;
  return r[SIGNAL];
}

/**
 * Starts the request's deadline: after `ms`, unless the response has begun, `answer` sends the
 * 504 and {@link requestSignal} aborts. The response closing (sent, or the client gone) ends it.
 */
export function armDeadline(request: FastifyRequest, reply: FastifyReply, ms: number, answer: (e: HttpError) => void): void {
  const ac = new AbortController();
  (request as WithSignal)[SIGNAL] = ac.signal;
  const timer = setTimeout(() => {
    const e = new HttpError('TIMEOUT', 'request', `the request took longer than ${ms} ms (--timeout-ms)`);
    if (!reply.sent && !reply.raw.headersSent) answer(e);
    ac.abort(e);
  }, ms);
  reply.raw.once('close', () => {
    clearTimeout(timer);
    if (!ac.signal.aborted) ac.abort(new HttpError('TIMEOUT', 'request', 'the connection closed before the response was complete'));
  });
}
