import type { Subscriber } from 'rxjs';

/**
 * Errors `subscriber` with the signal's reason (an `AbortError` by default, as `fetch` does)
 * when `signal` aborts, after calling `tearDown` (so the stream's work has stopped when its
 * consumer hears of the abort); returns the function that removes the listener.
 */
export function errorOnAbort(signal: AbortSignal | undefined, subscriber: Subscriber<unknown>, tearDown: () => void = () => {}): () => void {
  if (!signal) return () => {};
  const onAbort = () => {
    tearDown();
    subscriber.error(signal.reason);
  };
  if (signal.aborted) {
    onAbort();
    return () => {};
  }
  signal.addEventListener('abort', onAbort, { once: true });
  return () => signal.removeEventListener('abort', onAbort);
}
