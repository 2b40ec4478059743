import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testImagePng, writeTinyModel } from '@d2pruner-tools/tiny-model';
import { writeSafetensors } from '@d2pruner/core';
import { call, errorOf, type Res } from './helpers.js';
import { loopLagMs, spawnServer, type ServerProcess } from './server-process.js';

/*
 * Large JSON outside POST /v1/prune: bodies sent to routes that take no JSON, /v1/generate bodies
 * (an image in base64, a prompt) and /v1/eval lines used to be parsed (and tokenized) on the event
 * loop. Each case reads the server's own longest event-loop delay around one request.
 */

const MiB = 2 ** 20;
/** Base64 text with spaces between its 4-character groups, about `total` characters in all (decoders ignore whitespace). */
function spaced(base64: string, total: number): string {
  return (base64.match(/.{1,4}/g) ?? []).join(' '.repeat(Math.max(1, Math.floor((total - base64.length) / (base64.length / 4)))));
}
const json = (url: string, body: string): Promise<Res> => call(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body });

/** The longest event-loop delay of the server while `send` runs (its own metric), and the answer. */
async function lagOf(s: ServerProcess, send: () => Promise<Res>): Promise<{ res: Res; lagMs: number }> {
  await loopLagMs(s.url); // reading the metric resets it
  const res = await send();
  return { res, lagMs: await loopLagMs(s.url) };
}

describe('JSON is parsed on the event loop only where a route takes it, and large JSON off it', () => {
  let root: string;
  let s: ServerProcess;
  let png: string;
  beforeAll(async () => {
    root = mkdtempSync(join(tmpdir(), 'd2pruner-server-json-routes-'));
    await writeTinyModel(join(root, 'tiny'), { seed: 9, hidden: 64, layers: 2 });
    png = Buffer.from(testImagePng(64, 48, 2)).toString('base64');
    s = await spawnServer(['--backend', 'cpu', '--workers', '2', '--max-body-bytes', String(160 * MiB), '--model-dir', join(root, 'tiny')]);
  }, 60_000);
  afterAll(async () => {
    await s?.stop();
    rmSync(root, { recursive: true, force: true });
  });

  it('a 120 MB JSON body sent to a route that takes none (batch, eval, an unknown path) is answered without being parsed: event loop < 1 s (parsed: about 2.5 s)', { timeout: 120_000 }, async () => {
    const body = `{"x":[${'0,'.repeat(60 * 1e6)}0]}`;
    for (const [path, status] of [
      ['/v1/prune/batch', 415],
      ['/v1/eval', 415],
      ['/v1/nothing', 404],
    ] as const) {
      const { res, lagMs } = await lagOf(s, () => json(`${s.url}${path}`, body));
      expect(res.status, `${path}: ${res.text.slice(0, 200)}`).toBe(status);
      expect(lagMs, path).toBeLessThan(1000);
    }
  });

  it('a 3 MB prompt → 413 naming prompt before it is tokenized: event loop < 1 s (tokenized: about 5 s and 700 MB)', { timeout: 60_000 }, async () => {
    const { res, lagMs } = await lagOf(s, () => json(`${s.url}/v1/generate`, JSON.stringify({ prompt: 'x'.repeat(3 * 1e6), image: png, keep: 8, maxNewTokens: 1 })));
    expect(res.status, res.text.slice(0, 200)).toBe(413);
    expect(errorOf(res)).toMatchObject({ code: 'PAYLOAD_TOO_LARGE', field: 'prompt' });
    expect(lagMs).toBeLessThan(1000);
    // a prompt the model's context can hold is served
    const ok = await json(`${s.url}/v1/generate`, JSON.stringify({ prompt: 'What is shown?', image: png, keep: 8, maxNewTokens: 1 }));
    expect(ok.status, ok.text.slice(0, 200)).toBe(200);
  });

  it('a generation’s rope prior positions must lie within the model’s context (it runs on the event loop: at --max-sequence, about 1 s)', async () => {
    const gen = (params: Record<string, unknown>) => json(`${s.url}/v1/generate`, JSON.stringify({ prompt: 'What?', image: png, keep: 8, maxNewTokens: 1, params }));
    const far = await gen({ debias: 'rope', queryPosition: 131072, ropeHeadDim: 1024 });
    expect(far.status, far.text.slice(0, 200)).toBe(422);
    expect(errorOf(far)).toMatchObject({ code: 'INVALID_INPUT', field: 'queryPosition' });
    expect(errorOf(await gen({ radius: 100000 }))).toMatchObject({ code: 'INVALID_INPUT', field: 'radius' });
    const { res, lagMs } = await lagOf(s, () => gen({ debias: 'rope', queryPosition: 4000, ropeHeadDim: 1024 }));
    expect(res.status, res.text.slice(0, 200)).toBe(200);
    expect(lagMs).toBeLessThan(1000);
  });

  it('a 150 MB generate body (an image in base64 spaced out) is parsed and decoded off the event loop: < 1 s (on it: 2–3 s); its errors are those of a small body', { timeout: 120_000 }, async () => {
    const padded = spaced(Buffer.concat([Buffer.from(png, 'base64'), Buffer.alloc(20 * 1e6, 7)]).toString('base64'), 150 * 1e6);
    const { res, lagMs } = await lagOf(s, () => json(`${s.url}/v1/generate`, JSON.stringify({ prompt: 'What?', image: padded, keep: 8, maxNewTokens: 1 })));
    expect(res.status, res.text.slice(0, 200)).toBe(200);
    expect(lagMs).toBeLessThan(1000);
    const bad = await json(`${s.url}/v1/generate`, JSON.stringify({ prompt: 'What?', image: `${padded.slice(0, 2 * MiB)}!`, keep: 8, maxNewTokens: 1 }));
    expect(bad.status).toBe(422);
    expect(errorOf(bad)).toMatchObject({ code: 'INVALID_INPUT', field: 'image' });
    const unknown = await json(`${s.url}/v1/generate`, JSON.stringify({ prompt: 'What?', image: png, keep: 8, extra: 'x'.repeat(2 * MiB) }));
    expect(unknown.status).toBe(422);
    expect(errorOf(unknown)).toMatchObject({ code: 'INVALID_ARGUMENT', field: 'extra' });
    const long = await json(`${s.url}/v1/generate`, JSON.stringify({ prompt: 'x'.repeat(2 * MiB), image: png, keep: 8 }));
    expect(errorOf(long)).toMatchObject({ code: 'PAYLOAD_TOO_LARGE', field: 'prompt' });
  });

  it('a 60 MB eval line (a file in base64 spaced out, within the default --max-body-bytes) is parsed and decoded off the event loop: < 0.5 s (on it: 0.85–1 s)', { timeout: 120_000 }, async () => {
    const n = 4096;
    const d = 1024;
    const features = new Float32Array(n * d).map((_, i) => (i % 251) / 251);
    const bytes = writeSafetensors({ features: { shape: [n, d], data: features }, attention: { shape: [n], data: new Float32Array(n).fill(1) } }, {});
    const line = JSON.stringify({ input: `data:application/octet-stream;base64,${spaced(Buffer.from(bytes).toString('base64'), 60 * 1e6)}`, name: 'big' });
    const { res, lagMs } = await lagOf(s, () => call(`${s.url}/v1/eval?methods=fastv&keep=8`, { method: 'POST', headers: { 'content-type': 'application/x-ndjson' }, body: `${line}\n` }));
    expect(res.status, res.text.slice(0, 200)).toBe(200);
    expect(res.json).toMatchObject({ files: 1 });
    expect(lagMs).toBeLessThan(500);
  });
});
