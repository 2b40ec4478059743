import { describe, expect, it } from 'vitest';
import { firstValueFrom, lastValueFrom, of, Observable, timeout, toArray } from 'rxjs';
import { gridLayout, type TokenInput } from '@d2pruner/core';
import { pruneBatchResults, pruneStream, pullMap, stage, type PruneJob } from '../src/index.js';
import { createPrunePool, pruneInPool } from '../src/node/index.js';

/* Contracts of the streaming API that a careless caller can break: stages that emit nothing or
   twice, stages that return nothing, throwing gates and progress callbacks, bad pool options, a
   closed pool. Each must end in a typed answer, never a silent loss, a duplicate or a hang. */

const input = (): TokenInput => ({ features: { rows: 4, cols: 2, data: Float32Array.from({ length: 8 }, (_, i) => i + 1) }, attention: Float32Array.of(0.1, 0.4, 0.2, 0.3), layout: gridLayout(2, 2) });
const bounded = <T>(o: Observable<T>) => lastValueFrom(o.pipe(toArray(), timeout(10_000)));

describe('streaming contracts', () => {
  it('custom stages that emit a request twice or not at all give that line an INTERNAL error naming stages; every line answers once', async () => {
    const stages = (jobs: Observable<PruneJob>) =>
      new Observable<PruneJob>((sub) =>
        jobs.subscribe({
          next: (job) => {
            const done = { ...job, selection: { method: 'x', n: 4, budget: 1, keep: [job.index], backend: 'cpu', timings: { totalMs: 0 } } };
            if (job.index !== 2) sub.next(done);
            if (job.index === 1) sub.next(done);
          },
          complete: () => sub.complete(),
        }),
      );
    const lines = [0, 1, 2, 3].map((k) => JSON.stringify({ input: `f${k}.safetensors`, keep: 1 }));
    const out = await bounded(pruneBatchResults(lines, { stages }));
    expect(out.map((r) => r.line)).toEqual([1, 2, 3, 4]);
    expect(out.map((r) => r.error?.field ?? 'ok')).toEqual(['ok', 'stages', 'stages', 'ok']);
    expect(out[1].error?.message).toContain('emitted 2');
    expect(out[2].error?.message).toContain('emitted 0');
  });

  it('a stage function that returns nothing passes the job on unchanged, sync or async', async () => {
    const seen: number[] = [];
    for (const fn of [(j: PruneJob) => void seen.push(j.index), async (j: PruneJob) => void seen.push(j.index)]) {
      const jobs = await bounded(pruneStream([input(), input()], stage('tap', fn as never)));
      expect(jobs.map((j) => [j.index, j.error])).toEqual([
        [0, undefined],
        [1, undefined],
      ]);
    }
    expect(seen).toEqual([0, 1, 0, 1]);
  });

  it('a gate or a progress callback that throws ends the stream with its error instead of stalling it', async () => {
    let calls = 0;
    const gate = () => {
      if (++calls === 3) throw new Error('gate broke');
    };
    await expect(bounded(pullMap([1, 2, 3, 4, 5], (x: number) => of(x), { gate }))).rejects.toThrow('gate broke');
    let events = 0;
    const onProgress = () => {
      if (++events === 2) throw new Error('progress broke');
    };
    await expect(bounded(pullMap([1, 2, 3, 4, 5], (x: number) => of(x), { onProgress }))).rejects.toThrow('progress broke');
  });

  it('pruneInPool checks concurrency in both orders; a closed pool rejects every call', async () => {
    const pool = createPrunePool({ workers: 1 });
    try {
      for (const ordered of [true, false]) {
        for (const concurrency of [0, -1, 1.5]) {
          expect(() => of(input()).pipe(pruneInPool(pool, { ordered, concurrency }))).toThrow(expect.objectContaining({ code: 'INVALID_INPUT', field: 'concurrency' }));
        }
      }
      const ok = await firstValueFrom(of({ input: input(), keep: 2 }).pipe(pruneInPool(pool, { ordered: false })));
      expect(ok.selection?.keep).toHaveLength(2);
    } finally {
      await pool.close();
    }
    await expect(pool.prune({ input: input(), keep: 2 })).rejects.toMatchObject({ code: 'INTERNAL', field: 'workers', message: expect.stringContaining('closed') });
    await expect(pool.warm()).rejects.toMatchObject({ field: 'workers' });
  });
});
