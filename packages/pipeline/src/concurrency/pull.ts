import { Observable, type ObservableInput } from 'rxjs';
import { WorkPool, type ConcurrencyOptions } from './pool.js';
import { errorOnAbort } from './signal.js';

/** Options of {@link pullMap}. */
export interface PullOptions extends ConcurrencyOptions {
  /** Aborting it tears the stream down and errors it with the signal's reason. */
  signal?: AbortSignal;
  /**
   * Called before each pull; a returned promise delays the pull until it settles. Carries the
   * consumer's backpressure to the reader, e.g. "wait until stdout drains" (`drainGate` in
   * `@d2pruner/pipeline/node`).
   */
  gate?: () => void | PromiseLike<void>;
}

function isPromiseLike<T>(x: T | PromiseLike<T>): x is PromiseLike<T> {
  return typeof (x as PromiseLike<T> | null)?.then === 'function';
}

/**
 * Maps a pull-based source through `work` with bounded concurrency: the next item is pulled
 * from the (async) iterable only when fewer than `concurrency` items run and fewer than
 * `concurrency + bufferSize` are running or held for reordering, so a reader of a huge file
 * never runs ahead of the output and memory stays flat. Unsubscribing unsubscribes the running
 * items (their stages abort) and calls the iterator's `return()` (closing the file). A source
 * that fails (a read error in the middle of a file) ends the stream with its error once every
 * item pulled before the failure has its result, whatever the concurrency: read-ahead never
 * costs the results of lines already read.
 */
export function pullMap<T, R>(
  source: AsyncIterable<T> | Iterable<T>,
  work: (item: T, index: number) => ObservableInput<R>,
  options: PullOptions = {},
): Observable<R> {
  return new Observable<R>((subscriber) => {
    const iterator: AsyncIterator<T> | Iterator<T> =
      Symbol.asyncIterator in source ? (source as AsyncIterable<T>)[Symbol.asyncIterator]() : (source as Iterable<T>)[Symbol.iterator]();
    let index = 0;
    let pulling = false;
    let exhausted = false;
    let pumping = false;
    let again = false;
    let gateOpen = false;
    /** The source's failure, held until the items pulled before it have their results. */
    let failure: { error: unknown } | undefined;
    const sourceFailed = (e: unknown): void => {
      failure = { error: e };
      exhausted = true;
    };

    const pool = new WorkPool<T, R>(work, subscriber, () => pump(), options);

    const take = (r: IteratorResult<T>) => {
      if (r.done) exhausted = true;
      else pool.start(r.value, index++);
    };

    const pump = (): void => {
      if (pumping) {
        again = true;
        return;
      }
      pumping = true;
      try {
        do {
          again = false;
          while (!pulling && !exhausted && pool.hasCapacity && !subscriber.closed) {
            if (!gateOpen) {
              let wait: void | PromiseLike<void>;
              try {
                wait = options.gate?.();
              } catch (e) {
                subscriber.error(e);
                return;
              }
              if (isPromiseLike(wait)) {
                pulling = true;
                wait.then(
                  () => {
                    pulling = false;
                    gateOpen = true;
                    pump();
                  },
                  (e: unknown) => subscriber.error(e),
                );
                break;
              }
            }
            gateOpen = false;
            let r: IteratorResult<T> | Promise<IteratorResult<T>>;
            try {
              r = iterator.next();
            } catch (e) {
              sourceFailed(e);
              break;
            }
            if (isPromiseLike(r)) {
              pulling = true;
              r.then(
                (res) => {
                  pulling = false;
                  if (subscriber.closed) return;
                  take(res);
                  pump();
                },
                (e: unknown) => {
                  pulling = false;
                  if (subscriber.closed) return;
                  sourceFailed(e);
                  pump();
                },
              );
            } else {
              take(r);
            }
          }
        } while (again && !subscriber.closed);
        if (exhausted && pool.idle && !subscriber.closed) {
          pool.complete();
          if (failure) subscriber.error(failure.error);
          else subscriber.complete();
        }
      } finally {
        pumping = false;
      }
    };

    let removeAbort = (): void => {};
    let closed = false;
    const close = (): void => {
      if (closed) return;
      closed = true;
      removeAbort();
      pool.dispose();
      if (!exhausted) {
        exhausted = true;
        try {
          const r = iterator.return?.();
          if (isPromiseLike(r)) r.then(undefined, () => {});
        } catch {
          // closing an already failed iterator has nothing left to free
        }
      }
    };
    removeAbort = errorOnAbort(options.signal, subscriber, close);
    pump();
    return close;
  });
}
