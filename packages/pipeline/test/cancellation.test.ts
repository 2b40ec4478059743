import { describe, expect, it } from 'vitest';
import { lastValueFrom, of, Subject, toArray } from 'rxjs';
import { registerMethod, methodRegistry, type Method } from '@d2pruner/core';
import { createJob, decode, prune, stage, type PruneJob } from '../src/index.js';
import { makeScene, sceneBytes } from './helpers/scenes.js';

const tick = () => new Promise((r) => setTimeout(r, 5));

describe('teardown aborts in-flight work and frees its resources', () => {
  it('stage(): unsubscribing aborts the signal and runs registered cleanups; results after teardown are dropped', async () => {
    let signal: AbortSignal | undefined;
    let resolveWork: ((v: object) => void) | undefined;
    let cleaned = 0;
    const op = stage('slow', (_job, ctx) => {
      signal = ctx.signal;
      ctx.onTeardown(() => cleaned++);
      return new Promise((r) => (resolveWork = r));
    });
    const seen: PruneJob[] = [];
    const sub = of(createJob({ input: 'a', keep: 1 }, 0)).pipe(op).subscribe((j) => seen.push(j));
    await tick();
    expect(signal?.aborted).toBe(false);
    sub.unsubscribe();
    expect(signal?.aborted).toBe(true);
    expect(cleaned).toBe(1);
    resolveWork?.({});
    await tick();
    expect(seen).toEqual([]);
  });

  it('stage(): cleanups of a job that finished normally are not run', async () => {
    let cleaned = 0;
    const op = stage('ok', async (_job, ctx) => {
      ctx.onTeardown(() => cleaned++);
      return {};
    });
    const out = await lastValueFrom(of(createJob({ input: 'a', keep: 1 }, 0)).pipe(op, toArray()));
    expect(out).toHaveLength(1);
    expect(cleaned).toBe(0);
  });

  it('stage(): an async stage keeps order and waits for its queue before completing', async () => {
    const delays = [30, 1, 10];
    const op = stage('delay', (job) => new Promise((r) => setTimeout(() => r({ budget: job.index }), delays[job.index])));
    const source = new Subject<PruneJob>();
    const result = lastValueFrom(source.pipe(op, toArray()));
    for (let i = 0; i < 3; i++) source.next(createJob({ input: 'a', keep: 1 }, i));
    source.complete();
    expect((await result).map((j) => j.budget)).toEqual([0, 1, 2]);
  });

  it('decode: unsubscribing aborts the file read', async () => {
    let signal: AbortSignal | undefined;
    const readFile = (_p: string, s: AbortSignal) => {
      signal = s;
      return new Promise<Uint8Array>(() => {});
    };
    const sub = of(createJob({ input: 'scene.safetensors', keep: 1 }, 0)).pipe(decode({ readFile })).subscribe();
    await tick();
    sub.unsubscribe();
    expect(signal?.aborted).toBe(true);
  });

  it('decode: a path without a reader fails the job with a typed error', async () => {
    const [job] = await lastValueFrom(of(createJob({ input: 'scene.safetensors', keep: 1 }, 0)).pipe(decode(), toArray()));
    expect(job.error?.code).toBe('INVALID_ARGUMENT');
    expect(job.error?.field).toBe('readFile');
  });

  it('decode: a read error from the reader fails only that job', async () => {
    const good = sceneBytes(makeScene({ peak: 3 }));
    const readFile = async (p: string) => {
      if (p === 'bad') throw new Error('disk on fire');
      return good;
    };
    const jobs = [0, 1, 2].map((i) => createJob({ input: i === 1 ? 'bad' : 'ok', keep: 2 }, i));
    const out = await lastValueFrom(of(...jobs).pipe(decode({ readFile }), toArray()));
    expect(out.map((j) => j.error?.code ?? j.input?.features?.rows)).toEqual([36, 'INTERNAL', 36]);
  });

  it('prune: the method receives the stage signal, aborted on unsubscribe', async () => {
    let signal: AbortSignal | undefined;
    const slow: Method = {
      name: 'test-slow',
      description: 'never finishes',
      requires: [],
      optional: [],
      needsLayout: false,
      params: [],
      select: (_input, _budget, _params, context) => {
        signal = context?.signal;
        return new Promise(() => {});
      },
    };
    registerMethod(slow, { replace: true });
    try {
      const sub = of(createJob({ input: makeScene({ peak: 1 }), keep: 2, method: 'test-slow' }, 0)).pipe(decode(), prune()).subscribe();
      await tick();
      expect(signal?.aborted).toBe(false);
      sub.unsubscribe();
      expect(signal?.aborted).toBe(true);
    } finally {
      methodRegistry.unregister('test-slow');
    }
  });

  it('prune: an unknown method is a typed error on that job only', async () => {
    const jobs = [createJob({ input: makeScene({ peak: 1 }), keep: 2, method: 'nope' }, 0), createJob({ input: makeScene({ peak: 4 }), keep: 1 }, 1)];
    const out = await lastValueFrom(of(...jobs).pipe(decode(), prune(), toArray()));
    expect(out[0].error).toMatchObject({ code: 'UNKNOWN_NAME', field: 'method' });
    expect(out[1].selection?.keep).toEqual([4]);
  });

  it('prune: ensureBackend is awaited with the job backend and its failure fails the job', async () => {
    const asked: string[] = [];
    const ensureBackend = async (b: string) => {
      asked.push(b);
      if (b === 'webgpu') throw new Error('no adapter');
    };
    const jobs = [createJob({ input: makeScene({ peak: 1 }), keep: 1, backend: 'webgpu' }, 0), createJob({ input: makeScene({ peak: 2 }), keep: 1 }, 1)];
    const out = await lastValueFrom(of(...jobs).pipe(decode(), prune(undefined, { ensureBackend }), toArray()));
    expect(asked).toEqual(['webgpu', 'auto']);
    expect(out[0].error?.message).toBe('no adapter');
    expect(out[1].selection?.keep).toEqual([2]);
  });
});
