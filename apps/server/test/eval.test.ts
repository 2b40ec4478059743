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
