import { isD2PrunerError, type MethodParams, type Selection } from '@d2pruner/core';
import { getMethod } from '@d2pruner/methods';
import type { Scene } from './scene.js';

/** Where a method runs: in this page on WebGPU or on the CPU, or on the server. */
export type RunTarget = 'webgpu' | 'cpu' | 'server';

/** Every target, in display order. */
export const RUN_TARGETS: readonly RunTarget[] = ['webgpu', 'cpu', 'server'];

/** The error JSON of docs/formats.md §2. */
export interface ErrorInfo {
  code: string;
  field: string;
  message: string;
}

/** One run: the selection and the wall time seen by the page, or the error. */
export type RunOutcome = { target: RunTarget; ok: true; selection: Selection; ms: number } | { target: RunTarget; ok: false; error: ErrorInfo; ms: number };

function errorInfo(e: unknown): ErrorInfo {
  if (isD2PrunerError(e)) return e.toJSON();
  return { code: 'INTERNAL', field: '', message: e instanceof Error ? e.message : String(e) };
}

/** Runs a method in the page on the named kernel backend (the registry's `webgpu` or `cpu`); `signal` cancels it. */
export async function runInPage(scene: Scene, method: string, keep: number, params: MethodParams, target: 'webgpu' | 'cpu', signal?: AbortSignal): Promise<RunOutcome> {
  const t0 = performance.now();
  try {
    const selection = await getMethod(method).select(scene.input, keep, params, { backend: target, signal });
    return { target, ok: true, selection, ms: performance.now() - t0 };
  } catch (e) {
    return { target, ok: false, error: errorInfo(e), ms: performance.now() - t0 };
  }
}

/** The query string of a server request: method, keep and parameters (API names). */
export function serverQuery(method: string, keep: number, params: MethodParams, sample?: string): string {
  const q = new URLSearchParams({ method, keep: String(keep) });
  for (const [k, v] of Object.entries(params)) q.set(k, String(v));
  if (sample) q.set('sample', sample);
  return q.toString();
}

/** Times a `503` with `Retry-After` is retried before its error is shown. */
export const SERVER_RETRIES = 3;

/** Longest `Retry-After` the page waits for (seconds); a longer one is shown as the error at once. */
export const MAX_RETRY_AFTER_S = 10;

/** Seconds to wait from a `Retry-After` header (delay-seconds or an HTTP date), or undefined when absent or unreadable. */
export function retryAfterSeconds(header: string | null, now = Date.now()): number | undefined {
  if (header === null || header.trim() === '') return undefined;
  if (/^\s*\d+\s*$/.test(header)) return Number(header);
  const at = Date.parse(header);
  return Number.isNaN(at) ? undefined : Math.max(0, Math.ceil((at - now) / 1000));
}

/** Resolves after `ms`, or rejects with the abort reason as soon as `signal` aborts. */
function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    signal?.throwIfAborted();
    const onAbort = () => (clearTimeout(timer), reject(signal?.reason));
    const timer = setTimeout(() => (signal?.removeEventListener('abort', onAbort), resolve()), ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/** Whether a failed fetch was aborted (its `signal`, or an `AbortError`) rather than unable to reach the server. */
export function wasAborted(e: unknown, signal?: AbortSignal | null): boolean {
  return signal?.aborted === true || (e instanceof Error && e.name === 'AbortError');
}

/** A fetch that failed before any answer (nothing listening, connection reset): the server is unreachable. */
export function unreachable(what: string, e: unknown): ErrorInfo {
  const detail = e instanceof Error ? e.message : String(e);
  return { code: 'BACKEND_UNAVAILABLE', field: 'server', message: `could not reach the server (${what}: ${detail}); is the d2pruner server running behind this page?` };
}

/**
 * Runs a method on the server (`POST /v1/prune`): a bundled sample by name, any other scene by
 * uploading its safetensors bytes. The page's wall time includes the upload; `signal` aborts it.
 * A `503` with `Retry-After` (the server is busy or restarting) is retried after the wait it asks
 * for, up to {@link SERVER_RETRIES} times and {@link MAX_RETRY_AFTER_S} seconds a wait, calling
 * `onRetry` before each wait; a server that cannot be reached is `BACKEND_UNAVAILABLE` (field `server`).
 */
export async function runOnServer(
  scene: Scene,
  method: string,
  keep: number,
  params: MethodParams,
  fetchFn: typeof fetch = fetch,
  signal?: AbortSignal,
  onRetry?: (seconds: number, attempt: number) => void,
): Promise<RunOutcome> {
  const t0 = performance.now();
  try {
    const init: RequestInit = scene.sample
      ? { method: 'POST', signal }
      : { method: 'POST', headers: { 'content-type': 'application/octet-stream' }, body: scene.bytes as unknown as BodyInit, signal };
    const url = `./v1/prune?${serverQuery(method, keep, params, scene.sample)}`;
    let res: Response;
    for (let attempt = 1; ; attempt++) {
      try {
        res = await fetchFn(url, init);
      } catch (e) {
        if (wasAborted(e, signal)) throw e;
        return { target: 'server', ok: false, error: unreachable('POST /v1/prune', e), ms: performance.now() - t0 };
      }
      const wait = res.status === 503 ? retryAfterSeconds(res.headers.get('retry-after')) : undefined;
      if (wait === undefined || wait > MAX_RETRY_AFTER_S || attempt > SERVER_RETRIES) break;
      await res.body?.cancel();
      onRetry?.(wait, attempt);
      await sleep(wait * 1000, signal);
    }
    const text = await res.text();
    const ms = performance.now() - t0;
    let body: Selection | { error: ErrorInfo };
    try {
      body = JSON.parse(text) as Selection | { error: ErrorInfo };
    } catch {
      // Not the server's JSON: no d2pruner server behind the page (a static host's 404, a proxy's 502 page).
      const what = res.ok ? 'an answer that is not JSON' : `HTTP ${res.status}${res.statusText ? ` ${res.statusText}` : ''} without the server's JSON error`;
      return { target: 'server', ok: false, error: { code: res.ok ? 'INTERNAL' : `HTTP ${res.status}`, field: 'server', message: `POST /v1/prune gave ${what}; is the d2pruner server running behind this page?` }, ms };
    }
    if ('error' in body && body.error) return { target: 'server', ok: false, error: body.error as ErrorInfo, ms };
    return { target: 'server', ok: true, selection: body as Selection, ms };
  } catch (e) {
    return { target: 'server', ok: false, error: errorInfo(e), ms: performance.now() - t0 };
  }
}
