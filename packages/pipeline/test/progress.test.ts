import { describe, expect, it } from 'vitest';
import { lastValueFrom, of, toArray } from 'rxjs';
import { ProgressTracker, progressSubject, pullMap, type ProgressEvent } from '../src/index.js';

describe('progress', () => {
  it('reports done, failed, in flight, rate and ETA from the clock', () => {
    let t = 1000;
    const events: ProgressEvent[] = [];
    const p = new ProgressTracker({ total: 10, now: () => t, onProgress: (e) => events.push(e) });
    p.started();
    p.started();
    t = 1500;
    p.finished(false);
    t = 2000;
    p.finished(true);
    // 2 items in 1 s → 2 items/s; 8 left → 4 s
    expect(events[1]).toEqual({ done: 2, failed: 1, inFlight: 0, elapsedMs: 1000, rate: 2, total: 10, etaMs: 4000, final: false });
    p.complete();
    expect(events[2].final).toBe(true);
  });

  it('throttles to progressIntervalMs but always sends the final event', () => {
    let t = 0;
    const events: ProgressEvent[] = [];
    const p = new ProgressTracker({ progressIntervalMs: 100, now: () => t, onProgress: (e) => events.push(e) });
    for (let k = 1; k <= 10; k++) {
      t = k * 30;
      p.started();
      p.finished(false);
    }
    p.complete();
    // events at t = 30 (first), 150, 270 (≥ 100 ms apart), then the final one
    expect(events.map((e) => [e.elapsedMs, e.done, e.final])).toEqual([
      [30, 1, false],
      [150, 5, false],
      [270, 9, false],
      [300, 10, true],
    ]);
  });

  it('has no ETA without a total', () => {
    const p = new ProgressTracker({ now: () => 5 });
    expect(p.snapshot().etaMs).toBeUndefined();
    expect(p.snapshot().rate).toBe(0);
  });

  it('progressSubject exposes the events of a pipeline as an observable that completes', async () => {
    const { progress$, onProgress } = progressSubject();
    const collected = lastValueFrom(progress$.pipe(toArray()));
    const items = [{ error: 'x' }, {}, {}];
    await lastValueFrom(pullMap(items, (i) => of(i), { onProgress }));
    const events = await collected;
    expect(events.map((e) => [e.done, e.failed, e.final])).toEqual([
      [1, 1, false],
      [2, 1, false],
      [3, 1, false],
      [3, 1, true],
    ]);
  });
});
