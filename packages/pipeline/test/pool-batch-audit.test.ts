import { join } from 'node:path';
import { methodRegistry } from '@d2pruner/core';
import { getMethod } from '@d2pruner/methods';
import { lastValueFrom, take, toArray, type Observable } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { pruneBatchResults, type BatchResult, type ProgressEvent } from '../src/index.js';
import { readyChunks } from '../src/node/pool/line-chunks.js';
import { batchFileOptions, createPrunePool, pruneBatchInPool, withPool, type PrunePool } from '../src/node/index.js';
import { VECTORS, d2Cases } from './helpers/vectors.js';
import { useSharedPool } from './helpers/shared-pool.js';

// An adversarial audit of the grouped batch path (`pruneBatchInPool`) against the one-request-
// per-task path (`pruneBatchResults` with `withPool`) and the main thread.

const D2 = join(VECTORS, 'd2pruner');
const cases = d2Cases();
const options = batchFileOptions(join(D2, 'batch.jsonl'));
let pool: PrunePool;
useSharedPool((p) => (pool = p));

function vectorLines(): string[] {
  return cases.map((c, k) => JSON.stringify({ id: k, input: c.input, keep: c.keep, params: c.params }));
}

/** A result as compared across paths: position, error code and the line without its timings. */
function comparable(r: BatchResult): string {
  const o = JSON.parse(r.text) as Record<string, unknown>;
  delete o.timings;
  return JSON.stringify([r.index, r.line, r.error?.code ?? 'ok', o]);
}

/** The results a batch emitted, and its error when it failed. */
function settle(batch: Observable<BatchResult>): Promise<{ results: BatchResult[]; error?: unknown }> {
  const results: BatchResult[] = [];
  return new Promise((resolve) => {
    batch.subscribe({ next: (r) => results.push(r), error: (error: unknown) => resolve({ results, error }), complete: () => resolve({ results }) });
  });
}

/** Request lines of every odd kind: ids of each JSON type, non-objects, paths, aliases, budgets, backends. */
function oddLines(): string[] {
  const ok = { input: cases[3].input, keep: cases[3].keep, params: cases[3].params };
  const scene = 'grid6-7.safetensors';
  const j = (o: unknown) => JSON.stringify(o);
  return [
    ...[null, true, {}, [], 1.5, 'dup', 'dup', 'a\u2028b\ud800'].map((id) => j({ ...ok, id })),
    `{"id":-0,"input":"${scene}","keep":3}`,
    `{"id":1e300,"input":"${scene}","keep":3}`,
    `{"id":9007199254740993,"input":"${scene}","keep":3}`,
    '\uFEFF' + j({ ...ok, id: 'bom' }),
    '   ',
    '\t',
    '',
    ...['[1,2]', '"str"', '42', 'null', '{}', '{"id":"broken" "input"}', '[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[['],
    `{"id":"x","input":"${scene}","keep":3,"__proto__":{"a":1}}`,
    ...[`../d2pruner/${scene}`, join(D2, scene), `./${scene}`, 'missing.safetensors', '.', '/dev/zero', ''].map((input) => j({ input, keep: 3 })),
    ...['D2PRUNER', 'window', 'WINDOW', 'nope', 'vispruner'].map((method) => j({ input: scene, keep: 3, method })),
    ...[{ ratio: 0.5 }, { ratio: 0.5, keep: 3 }, { keep: -1 }, { keep: '3' }, {}].map((budget) => j({ input: scene, ...budget })),
    ...['CPU', 'cpu', 'auto', 'nope', ''].map((backend) => j({ input: scene, keep: 3, backend })),
    j({ input: scene, keep: 3, params: { alpha: 'x' } }),
    j({ input: scene, keep: 3, params: [] }),
    j({ input: scene, keep: 3, extra: 1 }),
    j({ input: 5, keep: 3 }),
    j({ ...ok, id: 'last' }),
  ];
}

describe('pruneBatchInPool audit: the same lines as the other paths', () => {
  it('odd request lines get the same result lines as on the main thread and one request per task', async () => {
    const lines = [...oddLines(), ...vectorLines().slice(0, 24)];
    const main = (await lastValueFrom(pruneBatchResults(lines, options).pipe(toArray()))).map(comparable);
    const perTask = (await lastValueFrom(pruneBatchResults(lines, withPool({ ...options, pool })).pipe(toArray()))).map(comparable);
    expect(perTask).toEqual(main);
    for (const extra of [{}, { concurrency: 1 }, { concurrency: 3, bufferSize: 0 }, { concurrency: 9 }]) {
      const grouped = await lastValueFrom(pruneBatchInPool(lines, { ...options, pool, ...extra }).pipe(toArray()));
      expect(grouped.map(comparable), JSON.stringify(extra)).toEqual(main);
    }
    const unordered = await lastValueFrom(pruneBatchInPool(lines, { ...options, pool, ordered: false }).pipe(toArray()));
    expect(unordered.map(comparable).sort()).toEqual([...main].sort());
  });

  it('invalid concurrency, bufferSize and ordered fail naming the option, as on the per-task path', async () => {
    for (const [field, extra] of [
      ['concurrency', { concurrency: 0 }],
      ['concurrency', { concurrency: 1.5 }],
      ['concurrency', { concurrency: Infinity }],
      ['bufferSize', { bufferSize: -1 }],
      ['ordered', { ordered: 'no' as unknown as boolean }],
    ] as const) {
      const grouped = await settle(pruneBatchInPool(vectorLines().slice(0, 2), { ...options, pool, ...extra }));
      expect(grouped.results).toEqual([]);
      expect(grouped.error).toMatchObject({ field });
    }
  });

  it('take(1) and an abort stop the batch, and the pool goes on working', async () => {
    const lines = Array.from({ length: 20 }, () => vectorLines()).flat();
    const first = await lastValueFrom(pruneBatchInPool(lines, { ...options, pool }).pipe(take(1), toArray()));
    expect(first.map((r) => r.line)).toEqual([1]);
    const ac = new AbortController();
    let seen = 0;
    const aborted = await new Promise<unknown>((resolve) =>
      pruneBatchInPool(lines, { ...options, pool, signal: ac.signal }).subscribe({
        next: () => {
          if (++seen === 10) ac.abort(new Error('stop'));
        },
        error: resolve,
        complete: () => resolve('complete'),
      }),
    );
    expect([String(aborted), seen]).toEqual(['Error: stop', 10]);
    expect(pool.queued).toBe(0);
    const again = await lastValueFrom(pruneBatchInPool(vectorLines().slice(0, 5), { ...options, pool }).pipe(toArray()));
    expect(again.map((r) => r.error)).toEqual(Array(5).fill(undefined));
  });
});

describe('pruneBatchInPool audit: bugs found', () => {
  it('a source that fails loses no line read before the failure (the group being filled is still run)', async () => {
    // groups of 1, 1, 1, 1, 2, 2 lines: line 7 is read while its group waits for line 8
    const lines = vectorLines().slice(0, 7);
    async function* failing() {
      yield* lines;
      throw new Error('read failed');
    }
    const perTask = await settle(pruneBatchResults(failing(), withPool({ ...options, pool })));
    const grouped = await settle(pruneBatchInPool(failing(), { ...options, pool }));
    expect(perTask.results.map((r) => r.line)).toEqual([1, 2, 3, 4, 5, 6, 7]);
    expect(grouped.results.map((r) => r.line)).toEqual([1, 2, 3, 4, 5, 6, 7]);
    expect(String(grouped.error)).toBe('Error: read failed');
  });

  it('readyChunks yields the items of a group whose next read fails (sync or async), then fails', async () => {
    function* syncFailing() {
      yield 1;
      yield 2;
      throw new Error('sync');
    }
    async function* asyncFailing() {
      yield 1;
      yield 2;
      throw new Error('async');
    }
    for (const [source, message] of [
      [syncFailing, 'sync'],
      [asyncFailing, 'async'],
    ] as const) {
      const groups: number[][] = [];
      const error = await (async () => {
        for await (const g of readyChunks(source(), () => 8)) groups.push(g);
      })().catch((e: unknown) => e);
      expect(groups).toEqual([[1, 2]]);
      expect(String(error)).toBe(`Error: ${message}`);
    }
  });

  it('the final progress event is sent when the source fails, as on the per-task path', async () => {
    async function* failing() {
      yield* vectorLines().slice(0, 3);
      await new Promise((r) => setTimeout(r, 20));
      throw new Error('read failed');
    }
    const events: ProgressEvent[][] = [[], []];
    await settle(pruneBatchResults(failing(), withPool({ ...options, pool, onProgress: (e) => events[0].push(e) })));
    await settle(pruneBatchInPool(failing(), { ...options, pool, onProgress: (e) => events[1].push(e) }));
    const summary = events.map((list) => list.map((e) => [e.done, e.final]));
    expect(summary[0]).toEqual([
      [1, false],
      [2, false],
      [3, false],
      [3, true],
    ]);
    expect(summary[1]).toEqual(summary[0]);
  });

  it('progress counts failures with the isFailure option and measures time from the subscription', async () => {
    let t = 0;
    const events: ProgressEvent[] = [];
    const lines = [...vectorLines().slice(0, 2), '{broken'];
    const batch = pruneBatchInPool(lines, { ...options, pool, isFailure: () => false, onProgress: (e) => events.push(e), now: () => t });
    t = 1000;
    await lastValueFrom(batch.pipe(toArray()));
    expect(events.at(-1)).toMatchObject({ done: 3, failed: 0, final: true, elapsedMs: 0 });
  });

  it('aborting a group the worker has just picked up throws nothing: its late result is dropped', async () => {
    // the worker takes the queued group as it answers the first one; aborting it then terminates
    // the worker, which often still answers: piscina reports that answer as an 'error' event
    const caught: unknown[] = [];
    const onUncaught = (e: unknown) => caught.push(e);
    process.on('uncaughtException', onUncaught);
    const one = createPrunePool({ workers: 1 });
    try {
      await one.warm();
      const group = [{ index: 0, line: 1, text: '{broken' }];
      for (let k = 0; k < 10; k++) {
        const ac = new AbortController();
        const first = one.lines(group, undefined);
        const second = one.lines(group, undefined, {}, { signal: ac.signal }).catch((e: unknown) => e);
        await first;
        ac.abort(new Error('unsubscribed'));
        // either aborted, or answered before the abort came (the race this test provokes)
        const outcome = await second;
        expect(outcome instanceof Error ? outcome.message : 'answered').toMatch(/^(unsubscribed|answered)$/);
        await new Promise((r) => setTimeout(r, 10));
      }
      expect(caught.map(String)).toEqual([]);
    } finally {
      process.off('uncaughtException', onUncaught);
      await one.close();
    }
  });

  it('a built-in method unregistered on this thread fails its lines, as on the other paths, though the workers still know it', async () => {
    const random = getMethod('random');
    const lines = [vectorLines()[0], JSON.stringify({ input: cases[0].input, keep: 2, method: 'random' })];
    methodRegistry.unregister('random');
    try {
      const main = await lastValueFrom(pruneBatchResults(lines, options).pipe(toArray()));
      const grouped = await lastValueFrom(pruneBatchInPool(lines, { ...options, pool }).pipe(toArray()));
      expect(main.map((r) => r.error?.code)).toEqual([undefined, 'UNKNOWN_NAME']);
      expect(grouped.map(comparable)).toEqual(main.map(comparable));
    } finally {
      methodRegistry.register(random);
    }
  });
});
