import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { firstValueFrom } from 'rxjs';
import { calibrate, calibrationScenes, evaluateFiles, makeScenes, priorFileBytes, sceneFileBytes, type EvalReport } from '@d2pruner/pipeline';
import type { RunningServer } from '../src/index.js';
import { call, start } from './helpers.js';

const OPTIONS = { layout: '16x16', bias: 'bottom' as const, strength: 4, seed: 9 };
const dir = mkdtempSync(join(tmpdir(), 'd2p-server-eval-'));
const scenes = [...makeScenes(OPTIONS, 4)].map((s) => sceneFileBytes(s));
let prior: Float32Array;
let server: RunningServer;

beforeAll(async () => {
  scenes.forEach((bytes, k) => writeFileSync(join(dir, `scene${k}.safetensors`), bytes));
  const result = await calibrate([...calibrationScenes(OPTIONS, 16)].map((s) => s.input));
  prior = result.prior;
  writeFileSync(join(dir, 'prior.safetensors'), priorFileBytes(result));
  // the same N (256) on another grid: a prior for another layout
  const other = await calibrate([...calibrationScenes({ ...OPTIONS, layout: '8x32' }, 4)].map((s) => s.input));
  writeFileSync(join(dir, 'prior-8x32.safetensors'), priorFileBytes(other));
  server = await start({ sampleDirs: [dir], batchConcurrency: 2 });
});
afterAll(async () => {
  await server.close();
  rmSync(dir, { recursive: true, force: true });
});

function postEval(body: string, query = ''): ReturnType<typeof call> {
  return call(`${server.url}/v1/eval${query}`, { method: 'POST', headers: { 'content-type': 'application/x-ndjson' }, body });
}

const timeless = (r: EvalReport) => r.results.map(({ msPerFile, ...rest }) => ({ ...rest, timed: msPerFile !== null }));

describe('POST /v1/eval', () => {
  it('answers the eval JSON of the same pipeline; bad lines and missing tensors are skipped with their reason', async () => {
    const dataUrl = `data:application/octet-stream;base64,${Buffer.from(scenes[3]).toString('base64')}`;
    const body = [
      JSON.stringify({ input: 'scene0' }),
      JSON.stringify({ input: 'scene1' }),
      '{"input": ',
      JSON.stringify({ input: 'scene2' }),
      JSON.stringify({ input: dataUrl, name: 'uploaded' }),
      JSON.stringify({ input: 'no-such-sample' }),
    ].join('\n');
    const r = await postEval(body, '?methods=d2pruner,fastv,dart&ratio=0.1,0.2&prior=prior&param=d2pruner.alpha=0.5');
    expect(r.status, r.text).toBe(200);
    const got = r.json as EvalReport;
    expect(got.files).toBe(6);
    const runs = ['d2pruner', 'fastv', 'dart'].flatMap((method) => [0.1, 0.2].map((ratio) => ({ method, budget: { ratio }, ...(method === 'd2pruner' ? { params: { alpha: 0.5 } } : {}) })));
    const want = await firstValueFrom(evaluateFiles(scenes.map((bytes, k) => ({ name: `s${k}`, bytes })), { runs, prior }));
    const strip = (r: EvalReport) => timeless(r).map((x) => [x.method, x.budget, x.files, x.referentHit, x.referentShare, x.objectRecall, x.keptRatio]);
    expect(strip(got)).toEqual(strip(want));
    const fastv = got.results.find((x) => x.method === 'fastv');
    expect(fastv).toMatchObject({ files: 4, skipped: 2 });
    expect(fastv?.skipReasons?.map((s) => s.reason.split(':')[0])).toEqual(['[INVALID_INPUT] line', '[UNKNOWN_NAME] input']);
    expect(got.results.find((x) => x.method === 'dart')).toMatchObject({ files: 0, skipped: 6, referentHit: null });
  });

  it('a prior sample calibrated on another layout is refused for every input, naming prior (it was applied as if it fit)', async () => {
    const body = [JSON.stringify({ input: 'scene0' }), JSON.stringify({ input: 'scene1' })].join('\n');
    const r = await postEval(body, '?methods=d2pruner,fastv&ratio=0.1&prior=prior-8x32');
    expect(r.status, r.text).toBe(200);
    const got = r.json as EvalReport;
    // as with `d2pruner eval --prior`: the prior goes with every input, so a misfit fails each run of it
    for (const method of ['d2pruner', 'fastv']) {
      const row = got.results.find((x) => x.method === method);
      expect(row, method).toMatchObject({ files: 0, skipped: 2 });
      expect(row?.skipReasons?.[0].reason, method).toMatch(/^\[INVALID_INPUT\] prior: .*layout/);
    }
  });

  it('rejects bad queries before reading the body, naming the field', async () => {
    for (const [query, field] of [
      ['?frobnicate=1', 'frobnicate'],
      ['?ratio=0.1&keep=5', 'keep'],
      ['?ratio=2', 'ratio'],
      ['?methods=nope', 'method'],
      ['?param=fastv.alpha=1', 'param'],
      ['?prior=scene0', 'prior'],
    ]) {
      const r = await postEval(JSON.stringify({ input: 'scene0' }), query);
      expect(r.status, query).toBe(422);
      expect((r.json as { error: { field: string } }).error.field, query).toBe(field);
    }
    const json = await call(`${server.url}/v1/eval`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    expect(json.status).toBe(415);
  });
});

describe('POST /v1/eval under the server limits', () => {
  // a rope prior over 131,073 key positions at head dimension 1024: 67M cosines, about a second per run
  const HEAVY = '?methods=d2pruner&keep=1,2,3&param=d2pruner.debias=rope&param=d2pruner.queryPosition=131072&param=d2pruner.ropeHeadDim=1024';

  it('each run takes a --max-concurrent slot; a run over --timeout-ms is skipped as TIMEOUT and the answer still comes after more than twice --timeout-ms', async () => {
    const limited = await start({ sampleDirs: [dir], maxConcurrent: 1, timeoutMs: 400, workers: 1 });
    try {
      const t0 = Date.now();
      const evalCall = call(`${limited.url}/v1/eval${HEAVY}`, { method: 'POST', headers: { 'content-type': 'application/x-ndjson' }, body: JSON.stringify({ input: 'scene0' }) });
      await new Promise((r) => setTimeout(r, 200));
      const health = (await call(`${limited.url}/healthz`)).json as { inFlight: number };
      expect(health.inFlight).toBe(1);
      const prune = await call(`${limited.url}/v1/prune?sample=scene1&keep=3`, { method: 'POST' });
      expect(prune.status, prune.text).toBe(503);
      const r = await evalCall;
      expect(r.status, r.text).toBe(200);
      expect(Date.now() - t0).toBeGreaterThan(2 * 400); // past the socket's idle timeout (2 × --timeout-ms), which used to cut it
      const got = r.json as EvalReport;
      expect(got.results).toHaveLength(3);
      for (const run of got.results) {
        expect(run).toMatchObject({ files: 0, skipped: 1 });
        expect(run.skipReasons?.[0]?.reason).toMatch(/^\[TIMEOUT\] run: d2pruner at keep \d took longer than 400 ms/);
      }
      expect((await call(`${limited.url}/v1/prune?sample=scene1&keep=3`, { method: 'POST' })).status).toBe(200);
    } finally {
      await limited.close();
    }
  });
});
