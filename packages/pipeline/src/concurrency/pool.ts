import { InvalidArgumentError, assertInteger } from '@d2pruner/core';
import { from, Subscription, type ObservableInput, type Subscriber } from 'rxjs';
import { ProgressTracker, type ProgressOptions } from '../progress.js';

/** How many items run at once and in which order results leave. */
export interface ConcurrencyOptions extends ProgressOptions {
  /** Items processed at once (integer ≥ 1, default 1). */
  concurrency?: number;
  /** Emit results in input order (default true) or as they finish. */
  ordered?: boolean;
  /**
   * Finished results held back while an earlier item is still running (ordered mode). No new
   * item starts while `inFlight + held ≥ concurrency + bufferSize`, so memory stays bounded even
   * when one item is slow. Default `max(8, 2·concurrency)`.
   */
  bufferSize?: number;
  /** Whether a result counts as failed in progress events (default: it has an `error` field). */
  isFailure?: (result: unknown) => boolean;
  /**
   * Called on teardown (unsubscribe, abort, an error) for each result that was produced but
   * will never be emitted — one held for reordering — e.g. to give back a lease it holds.
   * `pruneStream` and `concurrently` release jobs' `release` by default.
   */
  discard?: (result: unknown) => void;
}

/** Validated {@link ConcurrencyOptions}. */
export interface ResolvedConcurrency {
  concurrency: number;
  ordered: boolean;
  bufferSize: number;
}

/** Checks and completes concurrency options; typed errors name the option. */
export function resolveConcurrency(options: ConcurrencyOptions): ResolvedConcurrency {
  const concurrency = options.concurrency ?? 1;
  assertInteger('concurrency', concurrency, 1);
  const bufferSize = options.bufferSize ?? Math.max(8, 2 * concurrency);
  assertInteger('bufferSize', bufferSize, 0);
  if (options.ordered !== undefined && typeof options.ordered !== 'boolean') throw new InvalidArgumentError('ordered', 'ordered must be true or false');
  return { concurrency, ordered: options.ordered ?? true, bufferSize };
}

const hasError = (r: unknown) => typeof r === 'object' && r !== null && (r as { error?: unknown }).error !== undefined;

/**
 * The scheduler shared by {@link pullMap} and {@link concurrent}: runs up to `concurrency` inner
 * observables, forwards their values in start order (holding finished ones in a bounded reorder
 * buffer) or as they come, forwards the first inner error, and tracks progress. The owner
 * decides when to start items by asking {@link WorkPool.hasCapacity}.
 */
export class WorkPool<T, R> {
  private inFlight = 0;
  private nextEmit = 0;
  /** Ordered mode: values of started items not emitted yet, and whether the item finished. */
  private readonly pending = new Map<number, { values: R[]; done: boolean }>();
  /** Finished items waiting in `pending` for an earlier one. */
  private held = 0;
  private readonly running = new Set<Subscription>();
  private disposed = false;
  private readonly options: ResolvedConcurrency;
  private readonly progress: ProgressTracker;
  private readonly isFailure: (r: unknown) => boolean;
  private readonly discard: ((r: unknown) => void) | undefined;

  /**
   * @param work the inner observable of one item
   * @param out where values, the first error, and nothing else go (the owner completes it)
   * @param onSettled called after each item finishes, to start more or complete
   * @param options concurrency, order, buffer and progress options
   */
  constructor(
    private readonly work: (item: T, index: number) => ObservableInput<R>,
    private readonly out: Subscriber<R>,
    private readonly onSettled: () => void,
    options: ConcurrencyOptions,
  ) {
    this.options = resolveConcurrency(options);
    this.progress = new ProgressTracker(options);
    this.isFailure = options.isFailure ?? hasError;
    this.discard = options.discard;
  }

  /** True when another item may start. */
  get hasCapacity(): boolean {
    const { concurrency, bufferSize } = this.options;
    return this.inFlight < concurrency && this.inFlight + this.held < concurrency + bufferSize;
  }

  /** True when nothing runs and nothing is held. */
  get idle(): boolean {
    return this.inFlight === 0 && this.pending.size === 0;
  }

  /**
   * Starts item number `index` (indices must be given 0, 1, 2, … in order). In ordered mode the
   * head item's values go out as they come; later items' values wait until it finishes.
   */
  start(item: T, index: number): void {
    if (this.disposed) return;
    this.inFlight++;
    this.progress.started();
    const slot = { values: [] as R[], done: false };
    if (this.options.ordered) this.pending.set(index, slot);
    let failed = false;
    // registered before the inner subscribes: a value it emits synchronously may end the stream
    // (take, first) and dispose the pool before `subscribe` returns, and must still tear it down
    const subscription = new Subscription();
    this.running.add(subscription);
    const ordered = this.options.ordered;
    try {
      subscription.add(
        from(this.work(item, index)).subscribe({
          next: (v) => {
            if (this.isFailure(v)) failed = true;
            if (ordered && index !== this.nextEmit) slot.values.push(v);
            else this.out.next(v);
          },
          error: (e: unknown) => {
            this.running.delete(subscription);
            this.out.error(e);
          },
          complete: () => {
            this.running.delete(subscription);
            this.inFlight--;
            try {
              this.progress.finished(failed);
            } catch (e) {
              // a throwing progress callback ends the stream with its error instead of stalling it
              this.out.error(e);
              return;
            }
            if (ordered) {
              slot.done = true;
              this.held++;
              this.flush();
            }
            this.onSettled();
          },
        }),
      );
    } catch (e) {
      this.running.delete(subscription);
      this.out.error(e);
    }
  }

  /** Sends the final progress event. */
  complete(): void {
    this.progress.complete();
  }

  /** Emits, in order, the values of the head item and of every finished item after it. */
  private flush(): void {
    for (let slot = this.pending.get(this.nextEmit); slot && !this.out.closed; slot = this.pending.get(this.nextEmit)) {
      const values = slot.values;
      slot.values = [];
      for (const v of values) this.out.next(v);
      if (!slot.done) return;
      this.pending.delete(this.nextEmit);
      this.held--;
      this.nextEmit++;
    }
  }

  /**
   * Unsubscribes every running item (their stages abort) and drops held results, handing each
   * to the `discard` option; no item starts afterwards.
   */
  dispose(): void {
    this.disposed = true;
    const running = [...this.running];
    this.running.clear();
    for (const s of running) s.unsubscribe();
    const held = [...this.pending.values()].flatMap((slot) => slot.values);
    this.pending.clear();
    this.held = 0;
    const discard = this.discard;
    if (discard) for (const v of held) discard(v);
  }
}
