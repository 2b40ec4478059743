import { describe, expect, it } from 'vitest';
import { lastValueFrom, pipe, toArray } from 'rxjs';
import { decode, d2prunerStages, prune, pruneStream, type PruneJob } from '../src/index.js';
import { d2Cases, d2SceneBytes } from './helpers/vectors.js';

const cases = d2Cases();
const bytes = new Map<string, Uint8Array>();
const sceneOf = (file: string) => {
  let b = bytes.get(file);
  if (!b) bytes.set(file, (b = d2SceneBytes(file)));
  return b;
};

async function runAll(stages: Parameters<typeof pruneStream>[1], subset = cases): Promise<PruneJob[]> {
  const requests = subset.map((c) => ({ input: sceneOf(c.input), keep: c.keep, params: c.params }));
  return lastValueFrom(pruneStream(requests, stages, { concurrency: 3 }).pipe(toArray()));
}

function expectVectors(jobs: PruneJob[], subset = cases) {
  expect(jobs).toHaveLength(subset.length);
  jobs.forEach((job, k) => {
    const { expected } = subset[k];
    expect(job.error, `case ${k}`).toBeUndefined();
    const s = job.selection;
    const c = subset[k];
    expect({ keep: s?.keep, pivots: s?.pivots, picks: s?.picks, rounds: s?.rounds }, `case ${k} ${c.input} keep ${c.keep} ${JSON.stringify(c.params)}`).toEqual(expected);
  });
}

describe('the spec vectors through the pipeline', () => {
  it(`d2prunerStages (lazy graph) reproduces all ${cases.length} D2Pruner vectors`, async () => {
    expectVectors(await runAll(pipe(decode(), d2prunerStages({ form: 'lazy' }))));
  });

  // the dense graph is O(|R|²·D) in JavaScript: the 6×6 and 24×40 scenes keep the suite fast
  const denseCases = cases.filter((c) => c.input.startsWith('grid6') || c.input.startsWith('next-like'));
  it(`d2prunerStages with the dense graph reproduces the ${denseCases.length} vectors of the smaller scenes`, async () => {
    expectVectors(await runAll(pipe(decode(), d2prunerStages({ form: 'dense' })), denseCases), denseCases);
  });

  it('prune() (the registered method) reproduces them', async () => {
    expectVectors(await runAll(pipe(decode(), prune('d2pruner'))));
  });

  it('keeps intermediate results consistent with the selection', async () => {
    const jobs = await runAll(pipe(decode(), d2prunerStages()));
    for (const job of jobs) {
      const s = job.selection;
      if (!s || job.budget === 0 || (job.budget ?? 0) >= s.n) continue;
      expect(job.importance?.length).toBe(s.n);
      expect(Array.from(job.pivots ?? []).sort((a, b) => a - b)).toEqual(s.pivots);
      expect(job.picks).toEqual(s.picks);
      expect((job.pivots?.length ?? 0) + (job.candidates?.length ?? 0)).toBe(s.n);
    }
  });
});
