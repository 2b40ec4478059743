import type { Subscriber } from 'rxjs';

/**
 * Errors `subscriber` with the signal's reason (an `AbortError` by default, as `fetch` does)
 * when `signal` aborts; returns the function that removes the listener.
 */
export function errorOnAbort(signal: AbortSignal | undefined, subscriber: Subscriber<unknown>): () => void {
  if (!signal) return () => {};
  const onAbort = () => subscriber.error(signal.reason);
  if (signal.aborted) {
    onAbort();
    return () => {};
  }
  signal.addEventListener('abort', onAbort, { once: true });
  return () => signal.removeEventListener('abort', onAbort);
}
