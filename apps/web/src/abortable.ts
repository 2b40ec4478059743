import { defer, finalize, from, type Observable } from 'rxjs';

/**
 * A promise-returning task as an Observable that aborts the task's signal when unsubscribed: a
 * `switchMap` that moves to a newer job cancels the fetch or method run of the older one.
 */
export function abortable<T>(task: (signal: AbortSignal) => Promise<T>): Observable<T> {
  return defer(() => {
    const controller = new AbortController();
    return from(task(controller.signal)).pipe(finalize(() => controller.abort()));
  });
}
