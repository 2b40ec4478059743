import { writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { methodRegistry, registerMethod, type Method } from '@d2pruner/core';
import { listMethods } from '@d2pruner/methods';
import { lastValueFrom, toArray } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { pruneBatchResults, type ProgressEvent } from '../src/index.js';
import { doublingSizes, readyChunks } from '../src/node/pool/line-chunks.js';
import { batchFileOptions, createPrunePool, pruneBatchFileResults, pruneBatchInPool, readLines, type PrunePool } from '../src/node/index.js';
import { firstTokensMethod } from './helpers/methods.js';
import { VECTORS, d2Cases } from './helpers/vectors.js';
import { useSharedPool } from './helpers/shared-pool.js';

const D2 = join(VECTORS, 'd2pruner');
const cases = d2Cases();
let pool: PrunePool;
let dir: string;
useSharedPool((p, d) => ((pool = p), (dir = d)), 'd2pruner-pool-batch-');

/** The batch file of the D2Pruner vectors, paths relative to the vectors' folder. */
function vectorLines(): string[] {
  return cases.map((c, k) => JSON.stringify({ id: k, input: c.input, keep: c.keep, params: c.params }));
}

describe('readyChunks: batch lines grouped for the workers', () => {
  it('groups a ready source by the sizes given, the last group short', async () => {
    const groups: number[][] = [];
    for await (const g of readyChunks(Array.from({ length: 20 }, (_, k) => k), doublingSizes(2, 4))) groups.push(g);
    expect(groups).toEqual([[0], [1], [2, 3], [4, 5], [6, 7, 8, 9], [10, 11, 12, 13], [14, 15, 16, 17], [18, 19]]);
  });

  it('closes a group once its items weigh the limit (the first item always goes)', async () => {
    const groups: string[][] = [];
    const items = ['aaaa', 'b', 'cc', 'dddddd', 'e', 'f', 'g'];
    for await (const g of readyChunks(items, () => 8, { weight: (s) => s.length, max: 5 })) groups.push(g);
    expect(groups).toEqual([['aaaa', 'b'], ['cc', 'dddddd'], ['e', 'f', 'g']]);
  });

  it('does not wait for items that are not there yet: a slow source gets groups of one', async () => {
    async function* slow() {
      for (let k = 0; k < 4; k++) {
        await new Promise((r) => setTimeout(r, 5));
        yield k;
      }
    }
    const groups: number[][] = [];
    for await (const g of readyChunks(slow(), () => 8)) groups.push(g);
    expect(groups).toEqual([[0], [1], [2], [3]]);
  });
});

describe('pruneBatchInPool: lines handed to the workers in groups', () => {
  it(`reproduces all ${cases.length} D2Pruner vectors from a batch file, in order, relative paths resolved by the workers`, async () => {
    const file = join(D2, 'never-written.jsonl');
    const options = { ...batchFileOptions(file), pool };
    const results = await lastValueFrom(pruneBatchInPool(vectorLines(), options).pipe(toArray()));
    expect(results.map((r) => r.index)).toEqual(cases.map((_, k) => k));
    results.forEach((r, k) => {
      expect(r.error, `case ${k}`).toBeUndefined();
      const s = JSON.parse(r.text) as { id: number; keep: number[]; pivots: number[]; picks: number[]; rounds: number; line: number };
      expect({ keep: s.keep, pivots: s.pivots, picks: s.picks, rounds: s.rounds }, `case ${k}`).toEqual(cases[k].expected);
      expect([s.id, s.line]).toEqual([k, k + 1]);
    });
  });

  it('writes the same lines as the batch on the calling thread, error lines included (timings aside)', async () => {
    const lines = vectorLines().slice(0, 10);
    lines.splice(3, 0, '{broken', '', JSON.stringify({ id: 'x', input: 'missing.safetensors', keep: 2 }));
    lines.splice(9, 0, JSON.stringify({ input: cases[0].input, keep: 3, params: { alpha: 2 } }));
    const options = batchFileOptions(join(D2, 'batch.jsonl'));
    const strip = (text: string) => {
      const o = JSON.parse(text) as Record<string, unknown>;
      delete o.timings;
      return o;
    };
    const here = await lastValueFrom(pruneBatchResults(lines, options).pipe(toArray()));
    const there = await lastValueFrom(pruneBatchInPool(lines, { ...options, pool }).pipe(toArray()));
    expect(there.map((r) => [r.index, r.line, r.error?.code])).toEqual(here.map((r) => [r.index, r.line, r.error?.code]));
    expect(there.map((r) => strip(r.text))).toEqual(here.map((r) => strip(r.text)));
    expect(there.filter((r) => r.error).map((r) => r.line)).toEqual([4, 6, 10]);
  });

  it('a line naming a backend the workers do not run is run on the calling thread, in its place', async () => {
    const seen: string[] = [];
    const ensureBackend = async (b: string) => {
      seen.push(b);
    };
    const lines = vectorLines().slice(0, 6);
    lines[2] = JSON.stringify({ input: cases[2].input, keep: cases[2].keep, params: cases[2].params, backend: 'cpu' });
    lines[4] = JSON.stringify({ input: cases[4].input, keep: cases[4].keep, params: cases[4].params, backend: 'elsewhere' });
    const options = { ...batchFileOptions(join(D2, 'batch.jsonl')), ensureBackend };
    const here = await lastValueFrom(pruneBatchResults(lines, options).pipe(toArray()));
    const there = await lastValueFrom(pruneBatchInPool(lines, { ...options, pool }).pipe(toArray()));
    // only the line the workers cannot run reached this thread's backend loader
    expect(seen.filter((b) => b === 'elsewhere')).toEqual(['elsewhere', 'elsewhere']);
    expect(seen.filter((b) => b !== 'elsewhere').length).toBe(here.length - 1);
    expect(there.map((r) => [r.line, r.error?.code ?? 'ok'])).toEqual(here.map((r) => [r.line, r.error?.code ?? 'ok']));
    expect(JSON.parse(there[2].text).keep).toEqual(cases[2].expected.keep);
  });

  it('with a GPU default backend the lines are routed one by one, none sent to a worker only to come back', async () => {
    const watched = Object.create(pool) as PrunePool;
    let groups = 0;
    watched.lines = async (...args) => {
      groups++;
      return pool.lines(...args);
    };
    const lines = vectorLines().slice(0, 4);
    lines[1] = JSON.stringify({ input: cases[1].input, keep: cases[1].keep, params: cases[1].params, backend: 'cpu' });
    const options = { ...batchFileOptions(join(D2, 'b.jsonl')), backend: 'elsewhere', ensureBackend: async () => undefined };
    const here = await lastValueFrom(pruneBatchResults(lines, options).pipe(toArray()));
    const out = await lastValueFrom(pruneBatchInPool(lines, { ...options, pool: watched }).pipe(toArray()));
    expect(groups).toBe(0);
    expect(out.map((r) => [r.line, r.error?.code ?? 'ok'])).toEqual(here.map((r) => [r.line, r.error?.code ?? 'ok']));
    expect(JSON.parse(out[1].text).keep).toEqual(cases[1].expected.keep);
  });

  it('a built-in alias lost on this thread (taken over by a method since unregistered) fails its lines as on the other paths', async () => {
    const uniform = listMethods().find((m) => m.name === 'uniform') as Method;
    expect(uniform.aliases).toContain('window');
    registerMethod({ ...firstTokensMethod('zz-alias-thief'), aliases: ['window'] });
    methodRegistry.unregister('zz-alias-thief');
    try {
      const lines = [JSON.stringify({ input: cases[0].input, keep: 3, method: 'window' }), vectorLines()[1]];
      const options = batchFileOptions(join(D2, 'b.jsonl'));
      const here = await lastValueFrom(pruneBatchResults(lines, options).pipe(toArray()));
      const out = await lastValueFrom(pruneBatchInPool(lines, { ...options, pool }).pipe(toArray()));
      expect(here.map((r) => r.error?.code)).toEqual(['UNKNOWN_NAME', undefined]);
      expect(out.map((r) => r.error?.code)).toEqual(here.map((r) => r.error?.code));
    } finally {
      registerMethod(uniform, { replace: true });
    }
  });

  it('a method registered at run time exists only on this thread: its lines still get its answer', async () => {
    const custom = firstTokensMethod('zz-first-tokens');
    registerMethod(custom);
    try {
      const lines = [JSON.stringify({ input: cases[0].input, keep: 3, method: 'zz-first-tokens' }), vectorLines()[1]];
      const out = await lastValueFrom(pruneBatchInPool(lines, { ...batchFileOptions(join(D2, 'b.jsonl')), pool }).pipe(toArray()));
      expect(out.map((r) => r.error)).toEqual([undefined, undefined]);
      expect(JSON.parse(out[0].text).keep).toEqual([0, 1, 2]);
      expect(JSON.parse(out[1].text).keep).toEqual(cases[1].expected.keep);
    } finally {
      methodRegistry.unregister('zz-first-tokens');
    }
  });

  it('a group whose task failed as a whole is run again one line per task', async () => {
    let groups = 0;
    const failing = Object.create(pool) as PrunePool;
    failing.lines = async () => {
      groups++;
      return { timings: {}, error: { code: 'INTERNAL', field: 'workers', message: 'worker exited' } };
    };
    let single = 0;
    failing.prune = (...args) => {
      single++;
      return pool.prune(...args);
    };
    const lines = vectorLines().slice(0, 5);
    const out = await lastValueFrom(pruneBatchInPool(lines, { ...batchFileOptions(join(D2, 'b.jsonl')), pool: failing }).pipe(toArray()));
    expect(groups).toBeGreaterThan(0);
    // still in the workers, one line per task
    expect(single).toBe(5);
    expect(out.map((r) => JSON.parse(r.text).keep)).toEqual(cases.slice(0, 5).map((c) => c.expected.keep));
  });

  it('streams: a line that comes later does not hold back the results of the lines before it', async () => {
    let answered = 0;
    let wake: () => void = () => {};
    async function* oneAtATime() {
      for (const line of vectorLines().slice(0, 4)) {
        yield line;
        // the next line only comes once this one has its result (a co-process waiting for answers)
        await new Promise<void>((r) => {
          wake = r;
          if (answered > 0) r();
        });
        answered = 0;
      }
    }
    const out: number[] = [];
    await new Promise<void>((resolve, reject) => {
      // one group in flight: groups of 1, 2, 4 … lines, so the second group would wait for a line that never comes
      pruneBatchInPool(oneAtATime(), { ...batchFileOptions(join(D2, 'b.jsonl')), pool, concurrency: 1 }).subscribe({
        next: (r) => {
          out.push(r.line);
          answered++;
          wake();
        },
        error: reject,
        complete: resolve,
      });
    });
    expect(out).toEqual([1, 2, 3, 4]);
  }, 20_000);

  it('progress counts lines, not groups', async () => {
    const events: ProgressEvent[] = [];
    const lines = vectorLines().slice(0, 12);
    await lastValueFrom(pruneBatchInPool(lines, { ...batchFileOptions(join(D2, 'b.jsonl')), pool, onProgress: (e) => events.push(e) }).pipe(toArray()));
    const final = events.at(-1);
    expect(final).toMatchObject({ done: 12, failed: 0, inFlight: 0, final: true });
    expect(events.filter((e) => !e.final).map((e) => e.done)).toEqual(Array.from({ length: 12 }, (_, k) => k + 1));
  });

  it('a pool of more workers than cores starts one per core, and the others only when tasks wait', async () => {
    const cores = availableParallelism();
    const big = createPrunePool({ workers: cores + 6 });
    try {
      const out = await lastValueFrom(pruneBatchInPool(vectorLines().slice(0, 2), { ...batchFileOptions(join(D2, 'b.jsonl')), pool: big }).pipe(toArray()));
      expect(out.map((r) => r.error)).toEqual([undefined, undefined]);
      expect(big.threads).toBeLessThanOrEqual(Math.max(cores, 2));
      await big.warm();
      expect(big.threads).toBe(cores + 6);
    } finally {
      await big.close();
    }
  });

  it('pruneBatchFileResults with a pool goes through the groups and reads the file lazily', async () => {
    const file = join(dir, 'batch.jsonl');
    writeFileSync(file, cases.slice(0, 6).map((c) => JSON.stringify({ input: join(D2, c.input), keep: c.keep, params: c.params })).join('\n') + '\n');
    const out = await lastValueFrom(pruneBatchFileResults(file, { pool }).pipe(toArray()));
    expect(out.map((r) => JSON.parse(r.text).keep)).toEqual(cases.slice(0, 6).map((c) => c.expected.keep));
    const direct = await lastValueFrom(pruneBatchInPool(readLines(file), { pool }).pipe(toArray()));
    expect(direct.map((r) => r.text.includes('"keep"'))).toEqual(out.map(() => true));
  });
});
