import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { MAX_RETRY_AFTER_S, SERVER_RETRIES, retryAfterSeconds, runOnServer } from '../src/run.js';
import { fetchSample, fetchSampleList, sceneFromBytes } from '../src/scene.js';

const sample = new Uint8Array(readFileSync(resolve(import.meta.dirname, '../../../fixtures/samples/llava-sample.safetensors')));
const scene = sceneFromBytes('llava-sample.safetensors', sample, 'llava-sample');
const SELECTION = { method: 'fastv', n: 576, keep: [1, 2, 3], backend: 'cpu', timings: {} };
const busy = (retryAfter?: string) =>
  new Response(JSON.stringify({ error: { code: 'OVERLOADED', field: 'server', message: '4 pruning requests are in flight (--max-concurrent); retry shortly' } }), {
    status: 503,
    headers: retryAfter === undefined ? {} : { 'retry-after': retryAfter },
  });

/** A fetch answering from `answers` in turn, counting calls. */
function scripted(answers: (() => Response | Promise<Response>)[]) {
  const calls: string[] = [];
  const fn = (async (url: string | URL | Request) => {
    calls.push(String(url));
    return answers[Math.min(calls.length - 1, answers.length - 1)]();
  }) as typeof fetch;
  return { fn, calls };
}

describe('the server client under a busy or absent server', () => {
  it('reads Retry-After as seconds or an HTTP date', () => {
    expect(retryAfterSeconds('2')).toBe(2);
    expect(retryAfterSeconds(null)).toBeUndefined();
    expect(retryAfterSeconds('soon')).toBeUndefined();
    expect(retryAfterSeconds(new Date(10_000).toUTCString(), 7_000)).toBe(3);
  });

  it('retries a 503 with Retry-After after the wait it asks for, saying so, and gives the later answer', async () => {
    const { fn, calls } = scripted([() => busy('0'), () => busy('0'), () => Response.json(SELECTION)]);
    const waits: [number, number][] = [];
    const r = await runOnServer(scene, 'fastv', 3, {}, fn, undefined, (s, attempt) => waits.push([s, attempt]));
    expect(r).toMatchObject({ ok: true, selection: { keep: [1, 2, 3] } });
    expect(calls).toHaveLength(3);
    expect(waits).toEqual([
      [0, 1],
      [0, 2],
    ]);
  });

  it(`shows the 503 after ${SERVER_RETRIES} retries, at once without Retry-After or with one above ${MAX_RETRY_AFTER_S} s`, async () => {
    const always = scripted([() => busy('0')]);
    expect(await runOnServer(scene, 'fastv', 3, {}, always.fn)).toMatchObject({ ok: false, error: { code: 'OVERLOADED', field: 'server' } });
    expect(always.calls).toHaveLength(SERVER_RETRIES + 1);
    for (const header of [undefined, String(MAX_RETRY_AFTER_S + 1)]) {
      const once = scripted([() => busy(header), () => Response.json(SELECTION)]);
      expect(await runOnServer(scene, 'fastv', 3, {}, once.fn)).toMatchObject({ ok: false, error: { code: 'OVERLOADED' } });
      expect(once.calls).toHaveLength(1);
    }
  });

  it('stops waiting when the run is cancelled: no second request', async () => {
    const { fn, calls } = scripted([() => busy('5'), () => Response.json(SELECTION)]);
    const controller = new AbortController();
    const run = runOnServer(scene, 'fastv', 3, {}, fn, controller.signal, () => setTimeout(() => controller.abort(), 10));
    const t0 = Date.now();
    expect(await run).toMatchObject({ ok: false });
    expect(Date.now() - t0).toBeLessThan(2000);
    expect(calls).toHaveLength(1);
  });

  it('names a server that cannot be reached (BACKEND_UNAVAILABLE, field server) for a run, a sample and the sample list', async () => {
    const down = (async () => {
      throw new TypeError('Failed to fetch');
    }) as typeof fetch;
    expect(await runOnServer(scene, 'fastv', 3, {}, down)).toMatchObject({
      ok: false,
      error: { code: 'BACKEND_UNAVAILABLE', field: 'server', message: expect.stringMatching(/^could not reach the server \(POST \/v1\/prune: Failed to fetch\)/) },
    });
    await expect(fetchSample({ name: 'llava-sample', url: '/samples/llava-sample.safetensors' }, down)).rejects.toThrow(
      /^Could not read llava-sample\.safetensors: BACKEND_UNAVAILABLE \(server\) — could not reach the server \(GET \/samples\/llava-sample\.safetensors: Failed to fetch\)/,
    );
    await expect(fetchSampleList(down)).rejects.toThrow(/^Could not read the sample list: BACKEND_UNAVAILABLE \(server\)/);
  });
});
