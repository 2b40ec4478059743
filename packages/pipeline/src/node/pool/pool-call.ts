import { defer, finalize, from, tap, type Observable } from 'rxjs';

/**
 * A pool call as an observable: `call` gets a signal that aborts the task when the subscriber
 * leaves before the call settles (a worker running it is terminated); a call that rejects —
 * its worker died, the pool closed, or it was aborted — emits `failed` instead, for the caller
 * to fall back on.
 */
export function poolCall<T>(call: (signal: AbortSignal) => Promise<T>, failed: T): Observable<T> {
  return defer(() => {
    const ac = new AbortController();
    let settled = false;
    return from(call(ac.signal).catch(() => failed)).pipe(
      tap(() => (settled = true)),
      finalize(() => settled || ac.abort()),
    );
  });
}
