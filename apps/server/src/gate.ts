import { Observable, mergeMap, of, switchMap, take, type OperatorFunction } from 'rxjs';

/**
 * The cap on pruning work in flight. Whole requests ask with `tryAcquire`, which takes a slot or
 * says no at once (503 + Retry-After instead of an unbounded queue); batch lines wait in line for
 * one with {@link ConcurrencyGate.slot}, within their own deadline. A freed slot goes to the
 * longest-waiting batch line first.
 */
export class ConcurrencyGate {
  private active = 0;
  private readonly idleWaiters: (() => void)[] = [];
  private readonly waiting: (() => void)[] = [];

  /** @param limit slots (integer ≥ 1) */
  constructor(readonly limit: number) {}

  /** Slots in use. */
  get inFlight(): number {
    return this.active;
  }

  /** Takes a slot when one is free; returns its release function (idempotent), or null when full. */
  tryAcquire(): (() => void) | null {
    if (this.active >= this.limit) return null;
    this.active++;
    return this.releaser();
  }

  /**
   * A slot as an observable: emits once a slot is this subscriber's (at once when one is free,
   * else when one is freed), and gives it back on unsubscribe — a subscriber that leaves while
   * waiting just leaves the line.
   */
  slot(): Observable<void> {
    return new Observable<void>((subscriber) => {
      let release: (() => void) | null = null;
      const grant = () => {
        release = this.releaser();
        subscriber.next();
      };
      if (this.active < this.limit) {
        this.active++;
        grant();
      } else {
        this.waiting.push(grant);
      }
      return () => {
        if (release) release();
        else this.waiting.splice(this.waiting.indexOf(grant) >>> 0, 1);
      };
    });
  }

  /**
   * Runs each value through `stages` inside a slot of its own: waits in line for the slot
   * ({@link slot}), takes the first result, then gives the slot back. Streaming routes (batch
   * lines, eval runs) use it, so their work counts against `--max-concurrent` like whole requests.
   */
  through<T, R>(stages: OperatorFunction<T, R>): OperatorFunction<T, R> {
    return mergeMap((value: T) =>
      this.slot().pipe(
        switchMap(() => of(value).pipe(stages)),
        take(1),
      ),
    );
  }

  /** Resolves when no slot is in use (immediately when idle). */
  idle(): Promise<void> {
    return this.active === 0 ? Promise.resolve() : new Promise((r) => this.idleWaiters.push(r));
  }

  private releaser(): () => void {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const next = this.waiting.shift();
      if (next) {
        next();
        return;
      }
      this.active--;
      if (this.active === 0) for (const w of this.idleWaiters.splice(0)) w();
    };
  }
}
