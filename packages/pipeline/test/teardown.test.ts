import { afterAll, describe, expect, it } from 'vitest';
import { Observable, map, of, take, timer } from 'rxjs';
import { concurrent, concurrently, createJob, decode, pruneStream, pullMap, stage, type FileReader, type PruneJob } from '../src/index.js';
import { pooledReadFile, ReadBufferPool } from '../src/node/index.js';
import { makeScene, sceneBytes, tempDir } from './helpers/scenes.js';

/* Teardown contracts (docs/pipelines.md §2–§4.2): unsubscribing or aborting stops every running
   item, gives pooled read buffers back, and tears the stream down before the consumer hears of
   an abort. */

const tick = (ms = 5) => new Promise((r) => setTimeout(r, ms));
const files = tempDir('d2p-teardown-');
afterAll(() => files.cleanup());

/** Item 0 finishes after 2 ms; item 1 emits at once when it starts, then keeps emitting until torn down. */
function endlessAfterFirst(counters: { torn: number; ticks: number }) {
  return (i: number): Observable<number> =>
    i === 0
      ? timer(2).pipe(map(() => 0))
      : new Observable<number>((s) => {
          s.next(1);
          const t = setInterval(() => {
            counters.ticks++;
            s.next(2);
          }, 1);
          return () => {
            counters.torn++;
            clearInterval(t);
          };
        });
}

describe('teardown', () => {
  it('pullMap and concurrent: an item whose first, synchronous value ends the stream (take) is torn down too', async () => {
    for (const run of [
      (work: (i: number) => Observable<number>) => pullMap([0, 1], work),
      (work: (i: number) => Observable<number>) => of(0, 1).pipe(concurrent(work)),
    ]) {
      const counters = { torn: 0, ticks: 0 };
      const seen: number[] = [];
      run(endlessAfterFirst(counters))
        .pipe(take(2))
        .subscribe((v) => seen.push(v));
      await tick(30);
      expect(seen).toEqual([0, 1]);
      expect(counters.torn).toBe(1);
      expect(counters.ticks).toBe(0);
    }
  });

  it('decode: a pooled read that completes after unsubscribe gives its buffer back to the pool', async () => {
    const path = files.write('late.safetensors', sceneBytes(makeScene({ peak: 3 })));
    const buffers = new ReadBufferPool();
    const pooled = pooledReadFile(buffers);
    let finishRead: () => void = () => {};
    let readDone: () => void = () => {};
    const read$ = new Promise<void>((r) => (readDone = r));
    // the read itself completes (a read in progress does not stop at the abort), then the stage learns it was torn down
    const readFile: FileReader = async (p, signal) => {
      const read = await pooled(p, signal);
      readDone();
      await new Promise<void>((r) => (finishRead = r));
      return read;
    };
    const sub = of(createJob({ input: path, keep: 2 }, 0)).pipe(decode({ readFile })).subscribe();
    await read$;
    expect(buffers.retainedBytes).toBe(0);
    sub.unsubscribe();
    finishRead();
    await tick();
    expect(buffers.retainedBytes).toBeGreaterThan(0);
  });

  it('pruneStream and concurrently: finished jobs held for reordering give back the leases their stages took when the stream is torn down', async () => {
    const released: number[] = [];
    const lent = (job: PruneJob) => () => released.push(job.index);
    const stages = stage('lend', (job) => (job.index === 0 ? new Promise<never>(() => {}) : { release: lent(job) }));
    const sub = pruneStream([makeScene(), makeScene(), makeScene()], stages, { concurrency: 3 }).subscribe();
    await tick();
    sub.unsubscribe();
    expect(released.sort()).toEqual([1, 2]);

    // a lease a job brought in stays the caller's (the job may be shared); one the stages took is given back
    released.length = 0;
    const jobs = [0, 1, 2].map((i) => ({ ...createJob({ input: makeScene(), keep: 1 }, i), ...(i === 1 ? { release: () => released.push(-1) } : {}) }));
    const passOrLend = stage('lend', (job) => (job.index === 0 ? new Promise<never>(() => {}) : job.index === 2 ? { release: lent(job) } : {}));
    const sub2 = of(...jobs).pipe(concurrently(passOrLend, { concurrency: 3 })).subscribe();
    await tick();
    sub2.unsubscribe();
    expect(released).toEqual([2]);
  });

  it('pullMap: aborting the signal tears the stream down (stages aborted, iterator closed) before the consumer hears the error', async () => {
    const ac = new AbortController();
    let returned = false;
    const source: Iterable<number> = {
      [Symbol.iterator]: () => {
        let i = 0;
        return { next: () => ({ done: false, value: i++ }), return: () => ((returned = true), { done: true, value: undefined }) };
      },
    };
    const signals: AbortSignal[] = [];
    const work = () => of(createJob({ input: makeScene(), keep: 1 }, 0)).pipe(stage('wait', (_job, ctx) => (signals.push(ctx.signal), new Promise<never>(() => {}))));
    const atError = await new Promise<{ returned: boolean; aborted: boolean[]; reason: unknown }>((resolve) => {
      pullMap(source, work, { concurrency: 2, signal: ac.signal }).subscribe({
        error: (reason: unknown) => resolve({ returned, aborted: signals.map((s) => s.aborted), reason }),
      });
      setTimeout(() => ac.abort(), 5);
    });
    expect(atError.reason).toMatchObject({ name: 'AbortError' });
    expect(atError.returned).toBe(true);
    expect(atError.aborted).toEqual([true, true]);
  });
});
