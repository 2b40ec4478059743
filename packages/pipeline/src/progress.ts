import { Subject, type Observable } from 'rxjs';

/** A progress report of a running pipeline. */
export interface ProgressEvent {
  /** Items finished (succeeded or failed). */
  done: number;
  /** Finished items that carry an error. */
  failed: number;
  /** Items started and not finished yet. */
  inFlight: number;
  /** Milliseconds since the pipeline started. */
  elapsedMs: number;
  /** Finished items per second since the start (0 before the first). */
  rate: number;
  /** Total items, when the caller knows it. */
  total?: number;
  /** Estimated milliseconds left (needs `total` and a rate > 0). */
  etaMs?: number;
  /** True on the last event, sent when the stream completes. */
  final: boolean;
}

/** Options of progress reporting. */
export interface ProgressOptions {
  /** Receives progress events. */
  onProgress?: (event: ProgressEvent) => void;
  /** Total items, for the ETA. */
  total?: number;
  /** Minimum milliseconds between events (default 0: one per finished item); the final event is always sent. */
  progressIntervalMs?: number;
  /** Clock in milliseconds (default `performance.now`), injectable for tests. */
  now?: () => number;
}

/** Counts started and finished items and reports rate and ETA through a callback. */
export class ProgressTracker {
  private readonly t0: number;
  private last = -Infinity;
  private done = 0;
  private failed = 0;
  private inFlight = 0;
  private readonly now: () => number;

  /** @param options callback, total, throttle and clock */
  constructor(private readonly options: ProgressOptions = {}) {
    this.now = options.now ?? (() => performance.now());
    this.t0 = this.now();
  }

  /** Records that an item started. */
  started(): void {
    this.inFlight++;
  }

  /** Records that an item finished; reports when the throttle allows. */
  finished(failed: boolean): void {
    this.inFlight = Math.max(0, this.inFlight - 1);
    this.done++;
    if (failed) this.failed++;
    const t = this.now();
    if (t - this.last >= (this.options.progressIntervalMs ?? 0)) {
      this.last = t;
      this.options.onProgress?.(this.snapshot(false, t));
    }
  }

  /** Sends the final event. */
  complete(): void {
    this.options.onProgress?.(this.snapshot(true, this.now()));
  }

  /** The current state as an event. */
  snapshot(final = false, t = this.now()): ProgressEvent {
    const elapsedMs = t - this.t0;
    const rate = elapsedMs > 0 ? (this.done * 1000) / elapsedMs : 0;
    const { total } = this.options;
    const event: ProgressEvent = { done: this.done, failed: this.failed, inFlight: this.inFlight, elapsedMs, rate, final };
    if (total !== undefined) {
      event.total = total;
      if (rate > 0) event.etaMs = (Math.max(0, total - this.done) / rate) * 1000;
    }
    return event;
  }
}

/**
 * Progress as an observable: pass `onProgress` to a pipeline and subscribe to `progress$`
 * (it completes after the final event).
 */
export function progressSubject(): {
  /** The progress events; completes after the final one. */
  progress$: Observable<ProgressEvent>;
  /** Pass this as a pipeline's `onProgress`. */
  onProgress: (event: ProgressEvent) => void;
} {
  const subject = new Subject<ProgressEvent>();
  return {
    progress$: subject.asObservable(),
    onProgress: (event) => {
      subject.next(event);
      if (event.final) subject.complete();
    },
  };
}
