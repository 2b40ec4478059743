import { describe, expect, it } from 'vitest';
import { map, type OperatorFunction } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import {
  buildGraph,
  decode,
  prepare,
  prune,
  score,
  selectMIS,
  selectPivots,
  withBackend,
  withPrior,
  type PruneJob,
} from '../src/index.js';
import { argmax, failedJob, runSync, sceneJob } from './helpers/jobs.js';
import { sceneBytes, makeScene } from './helpers/scenes.js';

const newScheduler = () => new TestScheduler((actual, expected) => expect(actual).toEqual(expected));

interface Case {
  name: string;
  op: () => OperatorFunction<PruneJob, PruneJob>;
  /** Two input jobs, ready for the operator. */
  inputs: () => [PruneJob, PruneJob];
  /** What the test compares of an output job. */
  summary: (job: PruneJob) => unknown;
  /** The summaries expected for the two inputs, from the scene's construction. */
  expected: [unknown, unknown];
}

const PEAKS = [7, 29];
const raw = (i: number) => sceneJob(i, { peak: PEAKS[i] });
const bytesJob = (i: number): PruneJob => ({ ...raw(i), request: { input: sceneBytes(makeScene({ seed: 100 + i, peak: PEAKS[i] })), keep: 10 } });
const decoded = (i: number) => runSync(bytesJob(i), decode());
const prepared = (i: number) => runSync(decoded(i), prepare());
const scored = (i: number) => runSync(prepared(i), score());
const split = (i: number) => runSync(scored(i), selectPivots());
const graphed = (i: number) => runSync(split(i), buildGraph());

const cases: Case[] = [
  {
    name: 'decode',
    op: () => decode(),
    inputs: () => [bytesJob(0), bytesJob(1)],
    summary: (j) => ({ index: j.index, n: j.input?.features?.rows, peak: argmax(j.input?.attention ?? []), grid: j.layout?.frames }),
    expected: [0, 1].map((i) => ({ index: i, n: 36, peak: PEAKS[i], grid: [{ rows: 6, cols: 6 }] })) as [unknown, unknown],
  },
  {
    name: 'prepare',
    op: () => prepare(),
    inputs: () => [decoded(0), decoded(1)],
    summary: (j) => ({ index: j.index, budget: j.budget, n: j.problem?.n, debias: j.problem?.params.debias }),
    expected: [0, 1].map((i) => ({ index: i, budget: 10, n: 36, debias: 'none' })) as [unknown, unknown],
  },
  {
    name: 'score',
    op: () => score(),
    inputs: () => [prepared(0), prepared(1)],
    summary: (j) => ({ index: j.index, top: argmax(j.importance ?? []), topValue: j.importance?.[argmax(j.importance ?? [])] }),
    expected: [0, 1].map((i) => ({ index: i, top: PEAKS[i], topValue: 2 })) as [unknown, unknown],
  },
  {
    name: 'selectPivots',
    op: () => selectPivots(),
    inputs: () => [scored(0), scored(1)],
    // keep 10 → n_p = ⌊0.7·10⌋ = 7 pivots, m = 3; the peak is the first in importance order
    summary: (j) => ({ index: j.index, first: j.pivots?.[0], pivots: j.pivots?.length, candidates: j.candidates?.length, m: j.m }),
    expected: [0, 1].map((i) => ({ index: i, first: PEAKS[i], pivots: 7, candidates: 29, m: 3 })) as [unknown, unknown],
  },
  {
    name: 'buildGraph',
    op: () => buildGraph({ form: 'lazy' }),
    inputs: () => [split(0), split(1)],
    summary: (j) => ({ index: j.index, graph: typeof j.graph?.conflicts, backend: j.graph?.backend }),
    expected: [0, 1].map((i) => ({ index: i, graph: 'function', backend: 'cpu' })) as [unknown, unknown],
  },
  {
    name: 'selectMIS',
    op: () => selectMIS(),
    inputs: () => [graphed(0), graphed(1)],
    summary: (j) => ({ index: j.index, keep: j.selection?.keep.length, picks: j.picks?.length, hasPeak: j.selection?.keep.includes(PEAKS[j.index]) }),
    expected: [0, 1].map((i) => ({ index: i, keep: 10, picks: 3, hasPeak: true })) as [unknown, unknown],
  },
  {
    name: 'withBackend',
    op: () => withBackend('cpu'),
    inputs: () => [raw(0), { ...raw(1), request: { ...raw(1).request, backend: 'webgpu' } }],
    summary: (j) => ({ index: j.index, backend: j.request.backend }),
    expected: [
      { index: 0, backend: 'cpu' },
      { index: 1, backend: 'webgpu' },
    ],
  },
  {
    name: 'withPrior',
    op: () => withPrior(new Float32Array(36).fill(0.5)),
    inputs: () => [decoded(0), decoded(1)],
    summary: (j) => ({ index: j.index, prior: j.input?.prior?.[0] }),
    expected: [
      { index: 0, prior: 0.5 },
      { index: 1, prior: 0.5 },
    ],
  },
];

describe.each(cases)('operator $name (marbles)', ({ op, inputs, summary, expected }) => {
  it('emits one job per job at the same frame and completes with the source', () => {
    newScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const [a, b] = inputs();
      const source = cold('-a--b-|', { a, b });
      expectObservable(source.pipe(op(), map(summary))).toBe('-x--y-|', { x: expected[0], y: expected[1] });
      expectSubscriptions(source.subscriptions).toBe('^-----!');
    });
  });

  it('forwards a source error after the jobs before it', () => {
    newScheduler().run(({ cold, expectObservable }) => {
      const [a] = inputs();
      expectObservable(cold('-a-#', { a }, new Error('boom')).pipe(op(), map(summary))).toBe('-x-#', { x: expected[0] }, new Error('boom'));
    });
  });

  it('unsubscribes from the source when the consumer unsubscribes early', () => {
    newScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const [a, b] = inputs();
      const source = cold('-a--b--a-|', { a, b });
      expectObservable(source.pipe(op(), map(summary)), '^---!').toBe('-x--', { x: expected[0] });
      expectSubscriptions(source.subscriptions).toBe('^---!');
    });
  });

  it('completes on empty input', () => {
    newScheduler().run(({ cold, expectObservable }) => {
      expectObservable(cold<PruneJob>('|').pipe(op())).toBe('|');
    });
  });

  it('passes a failed job through untouched, at the same frame', () => {
    newScheduler().run(({ cold, expectObservable }) => {
      const f = failedJob(5);
      const [a] = inputs();
      expectObservable(cold('-f-a-|', { f, a }).pipe(op(), map((j) => (j === f ? 'same' : summary(j))))).toBe('-s-x-|', { s: 'same', x: expected[0] });
    });
  });
});

describe('operator prune (marbles)', () => {
  it('passes failed jobs through synchronously, forwards error and completion', () => {
    newScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const f = failedJob(0);
      const g = failedJob(1);
      const source = cold('-f-g-|', { f, g });
      expectObservable(source.pipe(prune())).toBe('-f-g-|', { f, g });
      expectSubscriptions(source.subscriptions).toBe('^----!');
      expectObservable(cold('-f-#', { f }).pipe(prune())).toBe('-f-#', { f });
      expectObservable(cold<PruneJob>('|').pipe(prune())).toBe('|');
      const early = cold('-f-g-f-|', { f, g });
      expectObservable(early.pipe(prune()), '^--!').toBe('-f-', { f });
      expectSubscriptions(early.subscriptions).toBe('^--!');
    });
  });
});

describe('stage errors become job errors', () => {
  it('a stage that needs an earlier one names it', () => {
    const out = runSync(sceneJob(0, { peak: 3 }), score());
    expect(out.error).toEqual({ code: 'INVALID_ARGUMENT', field: 'problem', message: expect.stringContaining('prepare()') });
  });

  it('prepare reports invalid attention with its field and the stream goes on', () => {
    newScheduler().run(({ cold, expectObservable }) => {
      const bad = sceneJob(0, { peak: 3 });
      (bad.request.input as { attention: Float32Array }).attention[4] = -1;
      const good = sceneJob(1, { peak: 9 });
      const pipeline = (s: ReturnType<typeof cold<PruneJob>>) => s.pipe(decode(), prepare(), map((j) => j.error ?? j.budget));
      expectObservable(pipeline(cold('-b-g-|', { b: bad, g: good }))).toBe('-e-n-|', {
        e: { code: 'INVALID_INPUT', field: 'attention', message: 'attention[4] is -1; values must be ≥ 0' },
        n: 10,
      });
    });
  });
});
