import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { baselineDiffs, type VectorCase } from '../../../packages/methods/test/vectors.js';
import type { RunningServer } from '../src/index.js';
import { ROOT, call, postBytes, start } from './helpers.js';

const BASELINES = resolve(ROOT, 'fixtures/vectors/baselines');
/** VisionZip vector cases whose result has merged rows: these answers are written as bytes, never made strings. */
const cases = (JSON.parse(readFileSync(resolve(BASELINES, 'baseline-cases-7.json'), 'utf8')) as VectorCase[])
  .filter((c) => c.method === 'visionzip' && Array.isArray(c.expected.merged) && (c.expected.merged as unknown[]).length > 0)
  .slice(0, 6);

let server: RunningServer;

beforeAll(async () => {
  server = await start({ maxBodyBytes: 4 * 1024 * 1024 });
});
afterAll(() => server.close());

describe('VisionZip answers (merged rows) from the server', () => {
  it('POST /v1/prune answers each vector case with its selection and merged rows, as JSON', async () => {
    expect(cases).toHaveLength(6);
    for (const c of cases) {
      const query = new URLSearchParams({ method: 'visionzip', keep: String(c.keep), ...Object.fromEntries(Object.entries(c.params).map(([k, v]) => [k, String(v)])) });
      const res = await postBytes(`${server.url}/v1/prune?${query}`, readFileSync(resolve(BASELINES, c.input)));
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toMatch(/^application\/json/);
      const body = JSON.parse(res.text) as Record<string, unknown>;
      expect(body).not.toHaveProperty('line');
      expect(baselineDiffs(c.expected, body)).toEqual([]);
    }
  });

  it('POST /v1/prune/batch answers the cases as one line each, in order, between other lines', async () => {
    const lines = cases.flatMap((c, k) => [
      JSON.stringify({ id: k, input: `data:application/octet-stream;base64,${readFileSync(resolve(BASELINES, c.input)).toString('base64')}`, method: 'visionzip', keep: c.keep, params: c.params }),
      JSON.stringify({ id: `s${k}`, input: 'llava-sample', keep: 8 }),
    ]);
    const res = await call(`${server.url}/v1/prune/batch`, { method: 'POST', headers: { 'content-type': 'application/x-ndjson' }, body: lines.join('\n') + '\n' });
    expect(res.status).toBe(200);
    const out = res.text.split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(out.map((r) => r.id)).toEqual(cases.flatMap((_, k) => [k, `s${k}`]));
    expect(out.map((r) => r.line)).toEqual(lines.map((_, k) => k + 1));
    cases.forEach((c, k) => expect(baselineDiffs(c.expected, out[2 * k])).toEqual([]));
  });
});
