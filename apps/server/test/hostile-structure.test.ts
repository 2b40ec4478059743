import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { scanJson } from '@d2pruner/core';
import { jsonBounds } from '../src/input/json-scan.js';
import { maxHeaderBytes } from '../src/input/caps.js';
import { call, errorOf, postBytes, type Res } from './helpers.js';
import { loopLagMs, spawnServer, watchHealth, type ServerProcess } from './server-process.js';

const valid = (url: string) => call(`${url}/v1/prune?sample=llava-sample&keep=57`, { method: 'POST' });

/** `{"k0":0,…}` with `n` members. */
function manyKeys(n: number): string {
  const parts: string[] = [];
  for (let i = 0; i < n; i++) parts.push(`"k${i}":0`);
  return `{${parts.join(',')}}`;
}

/** A safetensors file whose header holds `n` empty tensors (tens of bytes each) and no data. */
function hugeHeader(n: number): Uint8Array {
  const parts: string[] = [];
  for (let i = 0; i < n; i++) parts.push(`"t${i}":{"dtype":"F32","shape":[0],"data_offsets":[0,0]}`);
  const header = Buffer.from(`{${parts.join(',')}}`);
  const out = Buffer.alloc(8 + header.length);
  out.writeBigUInt64LE(BigInt(header.length));
  header.copy(out, 8);
  return out;
}

/** Runs `hostile` beside a valid request while /healthz is polled: both answers and the slowest /healthz. */
async function beside(s: ServerProcess, hostile: () => Promise<Res>): Promise<{ res: Res; good: Res; healthMs: number }> {
  const health = watchHealth(s.url, 50);
  const [res, good] = await Promise.all([hostile(), (async () => (await new Promise((r) => setTimeout(r, 100)), valid(s.url)))()]);
  return { res, good, healthMs: (await health.stop()).maxMs };
}

describe('JSON structure and safetensors headers are bounded before they are parsed', () => {
  let s: ServerProcess;
  beforeAll(async () => {
    s = await spawnServer(['--backend', 'cpu', '--workers', '2']);
  });
  afterAll(() => s.stop());

  it('scanJson counts members and containers outside strings and names the top-level key', () => {
    const b = { depth: 64, members: 3, containers: 100 };
    expect(scanJson('{"a":1,"b":"x:y:z{[","c":[1]}', b)).toEqual({ depth: 2 });
    expect(scanJson('{"a":1,"params":{"x":1,"y":2}}', b)).toMatchObject({ over: 'members', key: 'params' });
    expect(scanJson('[[[]]]', { depth: 2, members: 9, containers: 9 })).toMatchObject({ over: 'depth' });
    expect(jsonBounds({ maxTokens: 16384 })).toEqual({ depth: 64, members: 36864, containers: 327680 });
  });

  it('params with 1M keys (a 12 MB body) → 413 naming params at once; /healthz < 1 s; a concurrent request is served', async () => {
    const body = `{"keep":8,"features":[[1,2],[3,4]],"attention":[1,2],"params":${manyKeys(1_000_000)}}`;
    const { res, good, healthMs } = await beside(s, () => call(`${s.url}/v1/prune`, { method: 'POST', headers: { 'content-type': 'application/json' }, body }));
    expect(res.status, res.text).toBe(413);
    expect(errorOf(res)).toMatchObject({ code: 'PAYLOAD_TOO_LARGE', field: 'params' });
    expect(good.status, good.text).toBe(200);
    expect(healthMs).toBeLessThan(1000);
  });

  it('a safetensors header of 300 000 empty tensors (16 MB) → 413 naming header; /healthz < 1 s; a concurrent request is served', async () => {
    const bytes = hugeHeader(300_000);
    expect(bytes.length).toBeGreaterThan(maxHeaderBytes({ maxTokens: 16384 }));
    const { res, good, healthMs } = await beside(s, () => postBytes(`${s.url}/v1/prune?keep=8`, bytes));
    expect(res.status, res.text).toBe(413);
    expect(errorOf(res)).toMatchObject({ code: 'PAYLOAD_TOO_LARGE', field: 'header' });
    expect(good.status, good.text).toBe(200);
    expect(healthMs).toBeLessThan(1000);
  });

  it('a batch line with 100 000 keys gets a 413 line naming input; the next line is served', async () => {
    const body = `{"input":${manyKeys(100_000)}}\n{"input":"llava-sample","keep":57}\n`;
    const health = watchHealth(s.url, 50);
    const res = await call(`${s.url}/v1/prune/batch`, { method: 'POST', headers: { 'content-type': 'application/x-ndjson' }, body });
    const lines = res.text.trim().split('\n').map((l) => JSON.parse(l) as { error?: { code: string; field: string }; keep?: number[]; line?: number });
    expect(lines[0], res.text.slice(0, 300)).toMatchObject({ error: { code: 'PAYLOAD_TOO_LARGE', field: 'input' }, line: 1 });
    expect(lines[1].keep).toHaveLength(57);
    expect((await health.stop()).maxMs).toBeLessThan(1000);
  });

  it('a 48 MB batch line with 4M keys gets its 413 line with its id, the next line is served, and the event loop is never held 1 s (its id was read by parsing it again: 3.9 s)', { timeout: 60_000 }, async () => {
    const body = Buffer.from(`{"id":"big","input":${manyKeys(4_000_000)}}\n{"input":"llava-sample","keep":57,"id":2}\n`);
    await loopLagMs(s.url);
    const res = await call(`${s.url}/v1/prune/batch`, { method: 'POST', headers: { 'content-type': 'application/x-ndjson' }, body });
    const lagMs = await loopLagMs(s.url);
    const lines = res.text.trim().split('\n').map((l) => JSON.parse(l) as { id?: unknown; error?: { code: string; field: string }; keep?: number[]; line?: number });
    expect(lines[0], res.text.slice(0, 300)).toMatchObject({ id: 'big', error: { code: 'PAYLOAD_TOO_LARGE', field: 'input' }, line: 1 });
    expect(lines[1]).toMatchObject({ id: 2 });
    expect(lines[1].keep).toHaveLength(57);
    expect(lagMs).toBeLessThan(1000);
  });

  it('an eval line with 100 000 keys is skipped as PAYLOAD_TOO_LARGE', async () => {
    const body = `{"input":"llava-sample","x":${manyKeys(100_000)}}\n`;
    const res = await call(`${s.url}/v1/eval?methods=random&keep=8`, { method: 'POST', headers: { 'content-type': 'application/x-ndjson' }, body });
    expect(res.status, res.text).toBe(200);
    expect(res.text).toContain('PAYLOAD_TOO_LARGE');
  });

  it('an eval line nested deeper than 64 is skipped as INVALID_INPUT line, like a batch line (the count scan stops at the depth bound)', async () => {
    const deep = `${'['.repeat(65)}${']'.repeat(65)}`;
    const body = `{"input":"llava-sample","x":${deep},"y":${manyKeys(100_000)}}\n`;
    const res = await call(`${s.url}/v1/eval?methods=random&keep=8`, { method: 'POST', headers: { 'content-type': 'application/x-ndjson' }, body });
    expect(res.status, res.text).toBe(200);
    expect(res.text).toContain('more than 64 deep');
  });
});
