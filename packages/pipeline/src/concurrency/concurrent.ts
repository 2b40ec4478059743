import { Observable, type ObservableInput, type OperatorFunction } from 'rxjs';
import { WorkPool, type ConcurrencyOptions } from './pool.js';

/**
 * Runs `work` for each value of a push source with bounded concurrency, emitting the results in
 * source order (default; a bounded reorder buffer holds early finishers) or as they finish —
 * `mergeMap` with a limit, plus ordering. A push source cannot be slowed down, so values that
 * arrive while the pool is full wait in a queue; to bound memory end to end, use a pull source
 * with {@link pullMap}. Teardown unsubscribes the running items and drops the queue.
 */
export function concurrent<T, R>(work: (item: T, index: number) => ObservableInput<R>, options: ConcurrencyOptions = {}): OperatorFunction<T, R> {
  return (source) =>
    new Observable<R>((subscriber) => {
      const queue: T[] = [];
      let index = 0;
      let sourceDone = false;
      let pumping = false;
      let again = false;
      const pool = new WorkPool<T, R>(work, subscriber, () => pump(), options);

      const pump = (): void => {
        if (pumping) {
          again = true;
          return;
        }
        pumping = true;
        try {
          do {
            again = false;
            while (queue.length > 0 && pool.hasCapacity && !subscriber.closed) pool.start(queue.shift() as T, index++);
          } while (again && !subscriber.closed);
          if (sourceDone && queue.length === 0 && pool.idle && !subscriber.closed) {
            pool.complete();
            subscriber.complete();
          }
        } finally {
          pumping = false;
        }
      };

      const subscription = source.subscribe({
        next: (v) => {
          queue.push(v);
          pump();
        },
        error: (e: unknown) => subscriber.error(e),
        complete: () => {
          sourceDone = true;
          pump();
        },
      });
      return () => {
        subscription.unsubscribe();
        pool.dispose();
        queue.length = 0;
      };
    });
}
