import { describe, expect, it } from 'vitest';
import { lastValueFrom, of, pipe, toArray } from 'rxjs';
import { KernelRegistry, cpuBackend, type KernelBackend } from '@d2pruner/kernels';
import { d2pruneLazy, pivotCount } from '@d2pruner/methods';
import {
  buildGraph,
  createJob,
  decode,
  isAbsolutePath,
  parseRequestLine,
  prepare,
  resolveInputPath,
  score,
  selectMIS,
  selectPivots,
  slimJob,
  withBackend,
} from '../src/index.js';
import { makeScene } from './helpers/scenes.js';

describe('jobs', () => {
  it('createJob wraps a bare source or takes a request', () => {
    const input = makeScene();
    expect(createJob(input, 3)).toEqual({ index: 3, request: { input }, timings: {} });
    expect(createJob('a.safetensors', 0).request).toEqual({ input: 'a.safetensors' });
    const bytes = new Uint8Array(8);
    expect(createJob(bytes, 0).request.input).toBe(bytes);
    expect(createJob({ input: 'x', keep: 2 }, 1).request).toEqual({ input: 'x', keep: 2 });
  });

  it('slimJob drops tensors and intermediate results but keeps the outcome', async () => {
    const [job] = await lastValueFrom(of(createJob({ input: makeScene({ peak: 5 }), keep: 4 }, 0)).pipe(decode(), prepare(), score(), selectPivots(), buildGraph(), selectMIS(), toArray()));
    const slim = slimJob(job);
    expect(slim.selection).toBe(job.selection);
    expect(slim.request.input).toBe('<in memory>');
    expect(Object.keys(slim).sort()).toEqual(['budget', 'error', 'index', 'request', 'selection', 'timings']);
  });

  it('pivotCount follows docs/algorithm.md §3 step 4 (floor with 1e-9 guard)', () => {
    expect(pivotCount(10, 0.7)).toBe(7);
    expect(pivotCount(64, 0.7)).toBe(44); // 44.8
    expect(pivotCount(90, 0.7)).toBe(63); // 0.7·90 = 62.99999999999999 in binary floating point
    expect(pivotCount(5, 1)).toBe(5);
    expect(pivotCount(0, 0.7)).toBe(0);
  });
});

describe('request lines and paths', () => {
  it('resolves relative paths and keeps absolute ones and URLs', () => {
    expect(resolveInputPath('a/b.st', '/data')).toBe('/data/a/b.st');
    expect(resolveInputPath('b.st', '/data/')).toBe('/data/b.st');
    expect(resolveInputPath('/abs/b.st', '/data')).toBe('/abs/b.st');
    expect(resolveInputPath('b.st', 'C:\\data')).toBe('C:\\data\\b.st');
    expect(resolveInputPath('D:\\x.st', 'C:\\data')).toBe('D:\\x.st');
    expect(resolveInputPath('https://h/x.st', '/data')).toBe('https://h/x.st');
    expect(resolveInputPath('b.st')).toBe('b.st');
    expect(isAbsolutePath('\\\\server\\share')).toBe(true);
    expect(isAbsolutePath('rel/x')).toBe(false);
  });

  it('parses a full request line', () => {
    expect(parseRequestLine('{"id":3,"input":"a.st","method":"d2pruner","ratio":0.1,"params":{"alpha":0.5},"backend":"cpu"}', (p) => `/base/${p}`)).toEqual({
      id: 3,
      input: '/base/a.st',
      method: 'd2pruner',
      ratio: 0.1,
      params: { alpha: 0.5 },
      backend: 'cpu',
    });
  });

  it.each([
    ['{"keep":1}', 'input'],
    ['{"input":"","keep":1}', 'input'],
    ['{"input":"a","method":3}', 'method'],
    ['{"input":"a","keep":"64"}', 'keep'],
    ['{"input":"a","ratio":"x"}', 'ratio'],
    ['{"input":"a","params":[1]}', 'params'],
    ['{"input":"a","backend":1}', 'backend'],
    ['{"input":"a","id":{}}', 'id'],
    ['{"input":"a","id":1e400}', 'id'],
    ['{"input":"a","id":-1e400}', 'id'],
    ['{"input":"a","id":12345678901234567890}', 'id'],
    ['{"input":"a","pivotRatio":0.5}', 'pivotRatio'],
    ['null', 'line'],
    ['{"input":', 'line'],
  ])('rejects %s naming field %s', (line, field) => {
    expect(() => parseRequestLine(line)).toThrow(expect.objectContaining({ code: 'INVALID_INPUT', field }));
  });

  it('keeps ids that come back as written: strings, and numbers within ±2^53', () => {
    expect(parseRequestLine('{"input":"a","id":9007199254740991}').id).toBe(9007199254740991);
    expect(parseRequestLine('{"input":"a","id":-2.5}').id).toBe(-2.5);
    expect(parseRequestLine('{"input":"a","id":"12345678901234567890"}').id).toBe('12345678901234567890');
  });
});

describe('backends through the stages', () => {
  it('withBackend → buildGraph: a named backend builds the dense graph on it, and the selection says so', async () => {
    const calls: string[] = [];
    const fake: KernelBackend = {
      name: 'fake',
      priority: 10,
      minWork: 0,
      available: async () => true,
      supports: (k) => cpuBackend.supports(k),
      run: (k, input) => {
        calls.push(k);
        return cpuBackend.run(k, input);
      },
    };
    const registry = new KernelRegistry();
    registry.register(fake);
    const input = makeScene({ seed: 4, peak: 2 });
    const stages = pipe(decode(), withBackend('fake'), prepare(), score(), selectPivots(), buildGraph({ registry }), selectMIS());
    const [job] = await lastValueFrom(of(createJob({ input, keep: 12 }, 0)).pipe(stages, toArray()));
    expect(calls).toEqual(['edgeBlock']);
    expect(job.selection?.backend).toBe('fake');
    const lazy = d2pruneLazy(input, 12);
    expect(job.selection?.keep).toEqual(lazy.keep);
    expect(job.selection?.picks).toEqual(lazy.picks);
  });

  it('the lazy graph runs on the CPU whatever the auto backend', async () => {
    const [job] = await lastValueFrom(of(createJob({ input: makeScene({ peak: 2 }), keep: 12 }, 0)).pipe(decode(), withBackend('auto'), prepare(), score(), selectPivots(), buildGraph(), selectMIS(), toArray()));
    expect(job.selection?.backend).toBe('cpu');
    expect(Object.keys(job.selection?.timings ?? {})).toEqual(expect.arrayContaining(['prepareMs', 'scoreMs', 'pivotsMs', 'graphMs', 'misMs', 'totalMs']));
  });
});
