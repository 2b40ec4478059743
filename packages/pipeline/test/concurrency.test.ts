import { describe, expect, it } from 'vitest';
import { defer, delay, firstValueFrom, lastValueFrom, map, of, throwError, timer, toArray, type Observable } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { concurrent, concurrently, createJob, pullMap, stage, type PruneJob } from '../src/index.js';

const newScheduler = () => new TestScheduler((actual, expected) => expect(actual).toEqual(expected));

/** Runs `make` in virtual time and returns [value, frame] of every emission plus the completion frame. */
function timeline<T>(make: (s: TestScheduler) => Observable<T>): { values: [T, number][]; completed?: number } {
  const s = newScheduler();
  const values: [T, number][] = [];
  let completed: number | undefined;
  s.run(() => {
    make(s).subscribe({ next: (v) => values.push([v, s.now()]), complete: () => (completed = s.now()) });
  });
  return { values, completed };
}

describe('concurrent (marbles, virtual time)', () => {
  const delays: Record<string, number> = { a: 3, b: 1, c: 1 };
  const work = (x: string) => timer(delays[x]).pipe(map(() => x));

  it('ordered: runs 2 at a time and emits in source order', () => {
    const t = timeline(() => of('a', 'b', 'c').pipe(concurrent(work, { concurrency: 2 })));
    // a, b start at 0; b ends at 1 and c starts; c ends at 2; a ends at 3 → a, b, c at 3
    expect(t.values).toEqual([
      ['a', 3],
      ['b', 3],
      ['c', 3],
    ]);
    expect(t.completed).toBe(3);
  });

  it('unordered: emits as items finish', () => {
    const t = timeline(() => of('a', 'b', 'c').pipe(concurrent(work, { concurrency: 2, ordered: false })));
    expect(t.values).toEqual([
      ['b', 1],
      ['c', 2],
      ['a', 3],
    ]);
  });

  it('concurrency 1 is sequential', () => {
    const t = timeline(() => of('a', 'b', 'c').pipe(concurrent(work, { concurrency: 1 })));
    expect(t.values).toEqual([
      ['a', 3],
      ['b', 4],
      ['c', 5],
    ]);
  });

  it('the reorder buffer is bounded: no new item starts while held + running reach concurrency + bufferSize', () => {
    const slow: Record<string, number> = { a: 5, b: 1, c: 1 };
    const t = timeline(() => of('a', 'b', 'c').pipe(concurrent((x: string) => timer(slow[x]).pipe(map(() => x)), { concurrency: 2, bufferSize: 0 })));
    // b is held from 1 to 5, so c cannot start before a finishes at 5; it ends at 6
    expect(t.values).toEqual([
      ['a', 5],
      ['b', 5],
      ['c', 6],
    ]);
    const roomy = timeline(() => of('a', 'b', 'c').pipe(concurrent((x: string) => timer(slow[x]).pipe(map(() => x)), { concurrency: 2, bufferSize: 1 })));
    expect(roomy.values.map(([, f]) => f)).toEqual([5, 5, 5]);
  });

  it('forwards completion, empty input, source errors and inner errors', () => {
    newScheduler().run(({ cold, expectObservable }) => {
      const inner = (x: string) => cold('-x|', { x });
      expectObservable(cold('a-b|').pipe(concurrent(inner, { concurrency: 2 }))).toBe('-a-b|');
      expectObservable(cold('|').pipe(concurrent(inner))).toBe('|');
      expectObservable(cold('a-#').pipe(concurrent(inner))).toBe('-a#');
      expectObservable(cold('a|').pipe(concurrent(() => cold('-#')))).toBe('-#');
    });
  });

  it('early unsubscribe tears down the source and the running inner work', () => {
    newScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const inners = [cold('----x|', { x: 1 }), cold('----y|', { y: 2 })];
      const source = cold('ab-|');
      let k = 0;
      expectObservable(source.pipe(concurrent(() => inners[k++], { concurrency: 2 })), '^-!').toBe('---');
      expectSubscriptions(source.subscriptions).toBe('^-!');
      expectSubscriptions(inners[0].subscriptions).toBe('^-!');
      expectSubscriptions(inners[1].subscriptions).toBe('-^!');
    });
  });

  it('rejects a concurrency below 1 with a typed error', async () => {
    await expect(firstValueFrom(of(1).pipe(concurrent((x) => of(x), { concurrency: 0 })))).rejects.toMatchObject({ code: 'INVALID_INPUT', field: 'concurrency' });
  });

  it('concurrently() runs a job pipeline per job, ordered by default', async () => {
    const slowFirst = stage('wait', (job) => new Promise((r) => setTimeout(() => r({ budget: job.index }), job.index === 0 ? 30 : 1)));
    const jobs = [0, 1, 2, 3].map((i) => createJob({ input: 'x', keep: 1 }, i));
    const out = await lastValueFrom(of(...jobs).pipe(concurrently(slowFirst, { concurrency: 3 }), toArray()));
    expect(out.map((j: PruneJob) => j.budget)).toEqual([0, 1, 2, 3]);
  });
});

describe('pullMap (pull-based source)', () => {
  async function* counted(n: number, log: { pulled: number; returned: boolean }) {
    try {
      for (let i = 0; i < n; i++) {
        log.pulled++;
        yield i;
      }
    } finally {
      log.returned = true;
    }
  }

  it('a source that fails ends the stream with its error after the results of every item pulled before it, at any concurrency', async () => {
    const boom = new Error('read error');
    async function* failing() {
      for (let i = 0; i < 5; i++) yield i;
      throw boom;
    }
    function* failingSync() {
      for (let i = 0; i < 5; i++) yield i;
      throw boom;
    }
    // the first items take longest, so the read-ahead meets the failure while they still run
    const work = (i: number) => timer(12 - 2 * i).pipe(map(() => i));
    for (const source of [failing, failingSync]) {
      for (const concurrency of [1, 2, 4, 8]) {
        for (const ordered of [true, false]) {
          const seen: number[] = [];
          const error = await new Promise<unknown>((resolve) => {
            pullMap(source(), work, { concurrency, ordered }).subscribe({ next: (v) => seen.push(v), error: resolve, complete: () => resolve('completed') });
          });
          expect(error).toBe(boom);
          expect(ordered ? seen : [...seen].sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4]);
        }
      }
    }
  });

  it('pulls only when there is room: pulled − emitted ≤ concurrency + bufferSize + 1', async () => {
    const log = { pulled: 0, returned: false };
    let emitted = 0;
    let worst = 0;
    const work = (i: number) => defer(() => of(i).pipe(delay(i % 7 === 0 ? 6 : 1)));
    const out = await lastValueFrom(
      pullMap(counted(200, log), work, { concurrency: 3, bufferSize: 4 }).pipe(
        map((v) => {
          emitted++;
          worst = Math.max(worst, log.pulled - emitted);
          return v;
        }),
        toArray(),
      ),
    );
    expect(out).toEqual(Array.from({ length: 200 }, (_, i) => i));
    expect(worst).toBeLessThanOrEqual(3 + 4 + 1);
    expect(worst).toBeGreaterThan(1);
  });

  it('unordered output still respects the concurrency limit', async () => {
    let running = 0;
    let peak = 0;
    const work = (i: number) =>
      defer(() => {
        running++;
        peak = Math.max(peak, running);
        return of(i).pipe(
          delay((i * 7) % 5),
          map((v) => {
            running--;
            return v;
          }),
        );
      });
    const out = await lastValueFrom(pullMap(Array.from({ length: 50 }, (_, i) => i), work, { concurrency: 4, ordered: false }).pipe(toArray()));
    expect(out.slice().sort((a, b) => a - b)).toEqual(Array.from({ length: 50 }, (_, i) => i));
    expect(peak).toBe(4);
  });

  it('unsubscribing closes the source iterator (its finally runs) and stops pulling', async () => {
    const log = { pulled: 0, returned: false };
    const seen: number[] = [];
    await new Promise<void>((done) => {
      const sub = pullMap(counted(1000, log), (i) => of(i).pipe(delay(1)), { concurrency: 2 }).subscribe((v) => {
        seen.push(v);
        if (v === 4) {
          sub.unsubscribe();
          done();
        }
      });
    });
    await new Promise((r) => setTimeout(r, 10));
    expect(log.returned).toBe(true);
    expect(log.pulled).toBeLessThan(20);
    expect(seen).toEqual([0, 1, 2, 3, 4]);
  });

  it('aborting the signal errors the stream with the abort reason and stops work', async () => {
    const controller = new AbortController();
    const log = { pulled: 0, returned: false };
    const p = lastValueFrom(pullMap(counted(1000, log), (i) => of(i).pipe(delay(2)), { concurrency: 2, signal: controller.signal }));
    setTimeout(() => controller.abort(), 10);
    await expect(p).rejects.toMatchObject({ name: 'AbortError' });
    expect(log.returned).toBe(true);
    expect(log.pulled).toBeLessThan(1000);
  });

  it('forwards errors of the source iterator and of the work', async () => {
    async function* broken() {
      yield 1;
      throw new RangeError('source broke');
    }
    await expect(lastValueFrom(pullMap(broken(), (i) => of(i)))).rejects.toThrow('source broke');
    await expect(lastValueFrom(pullMap([1, 2], () => throwError(() => new RangeError('work broke'))))).rejects.toThrow('work broke');
  });

  it('completes at once on an empty source, with a final progress event', async () => {
    const events: unknown[] = [];
    const out = await lastValueFrom(pullMap([], (i: number) => of(i), { onProgress: (e) => events.push(e) }).pipe(toArray()));
    expect(out).toEqual([]);
    expect(events).toEqual([expect.objectContaining({ done: 0, final: true })]);
  });

  it('works with a synchronous iterable and synchronous work', async () => {
    const out = await lastValueFrom(pullMap(new Set([5, 6, 7]), (i, k) => of(i * 10 + k), { concurrency: 2 }).pipe(toArray()));
    expect(out).toEqual([50, 61, 72]);
  });
});

describe('pullMap gate (consumer backpressure)', () => {
  it('a pending gate holds the next pull until it resolves', async () => {
    let pulled = 0;
    async function* items() {
      for (let i = 0; i < 10; i++) {
        pulled++;
        yield i;
      }
    }
    let release: (() => void) | undefined;
    let calls = 0;
    const gate = () => (++calls === 1 ? new Promise<void>((r) => (release = r)) : undefined);
    const result = lastValueFrom(pullMap(items(), (i) => of(i), { gate }).pipe(toArray()));
    await new Promise((r) => setTimeout(r, 10));
    expect(pulled).toBe(0);
    release?.();
    expect(await result).toEqual(Array.from({ length: 10 }, (_, i) => i));
    expect(calls).toBeGreaterThanOrEqual(10);
  });
});
