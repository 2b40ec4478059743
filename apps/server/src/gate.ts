/**
 * A concurrency cap without a queue: `tryAcquire` takes a slot or says no at once, so excess
 * requests are answered 503 + Retry-After instead of waiting in an unbounded queue.
 */
export class ConcurrencyGate {
  private active = 0;
  private readonly idleWaiters: (() => void)[] = [];

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
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.active--;
      if (this.active === 0) for (const w of this.idleWaiters.splice(0)) w();
    };
  }

  /** Resolves when no slot is in use (immediately when idle). */
  idle(): Promise<void> {
    return this.active === 0 ? Promise.resolve() : new Promise((r) => this.idleWaiters.push(r));
  }
}
