import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { from, lastValueFrom, toArray } from 'rxjs';
import { calibrate } from '../src/index.js';
import { calibrateFiles, pruneBatchFileResults, pruneInPool, type PrunePool } from '../src/node/index.js';
import { VECTORS, d2Cases, d2SceneBytes } from './helpers/vectors.js';
import { useSharedPool } from './helpers/shared-pool.js';

const D2 = join(VECTORS, 'd2pruner');
const cases = d2Cases();
let pool: PrunePool;
useSharedPool((p) => (pool = p));

/** A case that runs MIS rounds (not a trivial budget). */
const busy = cases.find((x) => x.keep >= 4 && x.expected.rounds > 0) ?? cases[0];

function expected(k: number) {
  return cases[k].expected;
}

describe('the worker pool (piscina)', () => {
  it('runs the one-file worker bundle the build makes, whose results arrive whole (typed arrays moved, not emptied)', async () => {
    expect(pool.script.endsWith('worker.bundle.js')).toBe(true);
    const c = cases.find((x) => x.keep > 0) ?? cases[0];
    const out = await pool.prune({ input: join(D2, c.input), keep: c.keep, params: c.params });
    expect(out.error).toBeUndefined();
    expect(out.selection?.keep).toEqual(c.expected.keep);
  });

  it(`reproduces all ${cases.length} D2Pruner vectors from paths read in the workers, in input order`, async () => {
    const requests = cases.map((c) => ({ input: join(D2, c.input), keep: c.keep, params: c.params }));
    const jobs = await lastValueFrom(from(requests).pipe(pruneInPool(pool, { concurrency: 3 }), toArray()));
    expect(jobs.map((j) => j.index)).toEqual(cases.map((_, k) => k));
    jobs.forEach((job, k) => {
      expect(job.error, `case ${k}`).toBeUndefined();
      const s = job.selection;
      expect({ keep: s?.keep, pivots: s?.pivots, picks: s?.picks, rounds: s?.rounds }, `case ${k}`).toEqual(expected(k));
    });
  });

  it('moves request bytes to the worker without copying (the caller’s buffer is detached) and keeps shared memory shared', async () => {
    const c = busy;
    const owned = d2SceneBytes(c.input);
    const size = owned.byteLength;
    const r1 = await pool.prune({ input: owned, keep: c.keep, params: c.params });
    expect(r1.selection?.keep).toEqual(c.expected.keep);
    expect(owned.byteLength).toBe(0);
    expect(size).toBeGreaterThan(0);
    const shared = new Uint8Array(new SharedArrayBuffer(size));
    shared.set(d2SceneBytes(c.input));
    const r2 = await pool.prune({ input: shared, keep: c.keep, params: c.params });
    expect(r2.selection?.keep).toEqual(c.expected.keep);
    expect(shared.byteLength).toBe(size);
  });

  it('a batch with bad lines in the middle yields every other result, in order', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'd2pruner-pool-'));
    const good = cases.slice(0, 12);
    const lines = good.map((c) => JSON.stringify({ input: join(D2, c.input), keep: c.keep, params: c.params }));
    lines.splice(4, 0, '{not json');
    lines.splice(8, 0, JSON.stringify({ input: join(dir, 'missing.safetensors'), keep: 4 }));
    lines.splice(10, 0, JSON.stringify({ input: join(D2, good[0].input), keep: 4, params: { alpha: 7 } }));
    const file = join(dir, 'batch.jsonl');
    writeFileSync(file, lines.join('\n') + '\n');
    const results = await lastValueFrom(pruneBatchFileResults(file, { pool }).pipe(toArray()));
    expect(results.map((r) => r.line)).toEqual(lines.map((_, i) => i + 1));
    expect(results.filter((r) => r.error).map((r) => [r.line, r.error?.code, r.error?.field])).toEqual([
      [5, 'INVALID_INPUT', 'line'],
      [9, 'INVALID_INPUT', 'input'],
      [11, 'INVALID_INPUT', 'alpha'],
    ]);
    const ok = results.filter((r) => !r.error).map((r) => (JSON.parse(r.text) as { keep: number[] }).keep);
    expect(ok).toEqual(good.map((c) => c.expected.keep));
  });

  it('aborting a running task terminates its worker at once; the pool goes on serving', async () => {
    const c = busy;
    const ac = new AbortController();
    const heavy = pool.prune({ input: join(D2, c.input), keep: c.keep, params: { debias: 'rope', queryPosition: 131_000, ropeHeadDim: 4096 } }, {}, { signal: ac.signal }); // 2.7e8 cosines: seconds of work
    const t0 = performance.now();
    setTimeout(() => ac.abort(new Error('deadline')), 200);
    await expect(heavy).rejects.toThrow('deadline');
    expect(performance.now() - t0).toBeLessThan(2000);
    const after = await pool.prune({ input: join(D2, c.input), keep: c.keep, params: c.params });
    expect(after.selection?.keep).toEqual(c.expected.keep);
  });

  it('calibration on the workers averages the same prior as on the main thread', async () => {
    const files = [...new Set(cases.map((c) => c.input))].map((f) => join(D2, f));
    const inWorkers = await calibrateFiles(files, { pool });
    const here = await calibrate(files.map((f) => d2SceneBytes(f.slice(D2.length + 1))));
    expect(inWorkers.samples).toBe(here.samples);
    expect(inWorkers.skipped.map((s) => s.error.code)).toEqual(here.skipped.map((s) => s.error.code));
    expect(Array.from(inWorkers.prior)).toEqual(Array.from(here.prior));
  });
});
