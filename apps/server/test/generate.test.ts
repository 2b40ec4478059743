import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { testImagePng, writeTinyModel } from '@d2pruner-tools/tiny-model';
import { generateWithPruning, loadLocalLlava } from '@d2pruner/transformers';
import type { RunningServer, TransformersLoader } from '../src/index.js';
import { call, errorOf, postJson, series, sleep, start, type Res } from './helpers.js';

/** Visual tokens of one image (336 / 14 = 24² patches). */
const N = 576;
const PROMPT = 'What is shown?';
/** "USER: <image>\nWhat is shown? ASSISTANT:" tokenised byte by byte, with <s>, before pruning. */
const SEQUENCE = 1 + 'USER: '.length + N + `\n${PROMPT} ASSISTANT:`.length;

let root: string;
let dir: string;
let png: Uint8Array;
let server: RunningServer;

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'd2pruner-server-generate-'));
  dir = join(root, 'tiny-llava');
  await writeTinyModel(dir, { seed: 9, hidden: 64, layers: 2 });
  png = testImagePng(64, 48, 2);
  writeFileSync(join(root, 'picture.png'), png);
  server = await start({ modelDir: dir });
});

afterAll(async () => {
  await server?.close();
  rmSync(root, { recursive: true, force: true });
});

interface SseEvent {
  event: string;
  data: unknown;
}

interface Token {
  index: number;
  id: number;
  text: string;
}

interface Summary {
  visualTokens: { before: number; after: number };
  prefillTokens: number;
  prefillMs: number;
  pruneMs: number;
  text: string;
  tokenIds: number[];
}

/** Parses a whole text/event-stream body (every event must have a JSON `data:` line). */
function parseSse(text: string): SseEvent[] {
  expect(text.endsWith('\n\n')).toBe(true);
  return text
    .split('\n\n')
    .filter((block) => block !== '')
    .map((block) => {
      let event = 'message';
      const data: string[] = [];
      for (const line of block.split('\n')) {
        if (line.startsWith('event: ')) event = line.slice(7);
        else if (line.startsWith('data: ')) data.push(line.slice(6));
        else throw new Error(`unexpected line in the event stream: '${line}'`);
      }
      return { event, data: JSON.parse(data.join('\n')) as unknown };
    });
}

const b64 = (bytes: Uint8Array) => Buffer.from(bytes).toString('base64');
const body = (extra: Record<string, unknown> = {}) => ({ prompt: PROMPT, image: b64(png), maxNewTokens: 4, ...extra });

/** A finished stream: its tokens in order and the `done` summary (which must come last, once). */
function streamOf(res: Res): { tokens: Token[]; done: Summary } {
  expect(res.status, res.text.slice(0, 300)).toBe(200);
  expect(res.headers.get('content-type')).toBe('text/event-stream; charset=utf-8');
  expect(res.headers.get('cache-control')).toBe('no-cache');
  const events = parseSse(res.text);
  expect(events.at(-1)?.event).toBe('done');
  expect(events.slice(0, -1).every((e) => e.event === 'token')).toBe(true);
  return { tokens: events.slice(0, -1).map((e) => e.data as Token), done: events.at(-1)?.data as Summary };
}

async function generate(target: RunningServer, extra: Record<string, unknown> = {}): Promise<Res> {
  return postJson(`${target.url}/v1/generate`, body(extra));
}

/** Streams a generation, timing its first token and its end (ms from the request). */
async function timedStream(target: RunningServer, extra: Record<string, unknown>): Promise<{ firstMs: number; totalMs: number; tokens: number }> {
  const t0 = performance.now();
  const res = await fetch(`${target.url}/v1/generate`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body(extra)) });
  expect(res.status).toBe(200);
  const reader = (res.body as ReadableStream<Uint8Array>).getReader();
  const decoder = new TextDecoder();
  let text = '';
  let firstMs = 0;
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    text += decoder.decode(value, { stream: true });
    if (firstMs === 0 && text.includes('event: token')) firstMs = performance.now() - t0;
  }
  const events = parseSse(text);
  expect(events.at(-1)?.event).toBe('done');
  return { firstMs, totalMs: performance.now() - t0, tokens: events.filter((e) => e.event === 'token').length };
}

/** Waits until the server says no generation runs (at most 15 s). */
async function idle(target: RunningServer): Promise<void> {
  for (const t0 = Date.now(); Date.now() - t0 < 15_000; await sleep(20)) {
    const h = (await call(`${target.url}/healthz`)).json as { model: { generating: boolean } };
    if (!h.model.generating) return;
  }
  throw new Error('the generation did not stop');
}

describe('POST /v1/generate: the stream', () => {
  it('streams one token event per generated token, then done with the d2pruner generate --json summary', async () => {
    const { tokens, done } = streamOf(await generate(server, { method: 'd2pruner', keep: 64, maxNewTokens: 6 }));
    expect(tokens.map((t) => t.index)).toEqual([0, 1, 2, 3, 4, 5]);
    expect(Object.keys(done)).toEqual(['visualTokens', 'prefillTokens', 'prefillMs', 'pruneMs', 'text', 'tokenIds']);
    expect(done.visualTokens).toEqual({ before: N, after: 64 });
    expect(done.prefillTokens).toBe(SEQUENCE - (N - 64));
    expect(done.prefillMs).toBeGreaterThan(0);
    expect(done.pruneMs).toBeGreaterThan(0);
    expect(done.tokenIds).toEqual(tokens.map((t) => t.id));
    // the tiny model's tokenizer is byte-level and its LM head emits printable ASCII only
    expect(done.text).toBe(tokens.map((t) => t.text).join(''));
    expect(done.text).toMatch(/^[\x20-\x7e]{6}$/);
  });

  it('gives the tokens the library gives for the same image file (base64 and data: URL alike)', async () => {
    const loaded = await loadLocalLlava(dir);
    let direct: Awaited<ReturnType<typeof generateWithPruning>>;
    try {
      direct = await generateWithPruning(loaded, { image: join(root, 'picture.png'), prompt: PROMPT, maxNewTokens: 5, pruning: { method: 'd2pruner', keep: 32 } });
    } finally {
      await loaded.model.dispose();
    }
    const plain = streamOf(await generate(server, { keep: 32, maxNewTokens: 5 })).done;
    const dataUrl = streamOf(await generate(server, { keep: 32, maxNewTokens: 5, image: `data:image/png;base64,${b64(png)}` })).done;
    expect(plain.tokenIds).toEqual(direct.tokenIds);
    expect(dataUrl.tokenIds).toEqual(direct.tokenIds);
    expect(plain.visualTokens).toEqual({ before: N, after: 32 });
  });

  it('keeping every visual token gives the same tokens as noPrune', async () => {
    const full = streamOf(await generate(server, { noPrune: true, maxNewTokens: 5 })).done;
    expect(full.visualTokens).toEqual({ before: N, after: N });
    expect(full.prefillTokens).toBe(SEQUENCE);
    expect(full.pruneMs).toBe(0);
    const all = streamOf(await generate(server, { keep: N, maxNewTokens: 5 })).done;
    expect(all.visualTokens).toEqual({ before: N, after: N });
    expect(all.tokenIds).toEqual(full.tokenIds);
    expect(all.prefillTokens).toBe(full.prefillTokens);
    const pruned = streamOf(await generate(server, { keep: 16, maxNewTokens: 5 })).done;
    expect(pruned.prefillTokens).toBe(SEQUENCE - (N - 16));
  });

  it('takes ratio, method parameters, importance and layout; kebab-case keys too', async () => {
    const a = streamOf(await generate(server, { ratio: 0.25, params: { alpha: 0.5 }, importance: 'cls', layout: 'grid', maxNewTokens: 2 })).done;
    expect(a.visualTokens).toEqual({ before: N, after: 144 });
    const b = streamOf(await postJson(`${server.url}/v1/generate`, { prompt: PROMPT, image: b64(png), method: 'divprune', keep: 48, 'max-new-tokens': 3 })).done;
    expect(b.visualTokens).toEqual({ before: N, after: 48 });
    expect(b.tokenIds).toHaveLength(3);
  });
});

describe('POST /v1/generate: errors before the stream', () => {
  const expectError = async (extra: Record<string, unknown>, status: number, code: string, field: string) => {
    const res = await generate(server, extra);
    expect(res.status, JSON.stringify(extra).slice(0, 120)).toBe(status);
    expect(res.headers.get('content-type')).toContain('application/json');
    expect(errorOf(res), JSON.stringify(extra).slice(0, 120)).toMatchObject({ code, field });
  };

  it('bad images: not base64, not PNG/JPEG, another data: type, truncated, too large', async () => {
    await expectError({ keep: 8, image: 'this is not base64!' }, 422, 'INVALID_INPUT', 'image');
    await expectError({ keep: 8, image: b64(new TextEncoder().encode('GIF89a but not really')) }, 422, 'INVALID_INPUT', 'image');
    await expectError({ keep: 8, image: `data:image/gif;base64,${b64(png)}` }, 422, 'INVALID_INPUT', 'image');
    await expectError({ keep: 8, image: `data:image/png,${b64(png)}` }, 422, 'INVALID_INPUT', 'image');
    await expectError({ keep: 8, image: '' }, 422, 'INVALID_INPUT', 'image');
    await expectError({ keep: 8, image: 42 }, 422, 'INVALID_INPUT', 'image');
    await expectError({ keep: 8 , image: undefined }, 422, 'INVALID_INPUT', 'image');
    // a whole IHDR (so the header checks pass) but no image data: the decoder refuses it
    await expectError({ keep: 8, image: b64(png.subarray(0, 40)) }, 422, 'INVALID_INPUT', 'image');
    const huge = png.slice();
    new DataView(huge.buffer).setUint32(16, 5000);
    new DataView(huge.buffer).setUint32(20, 5000);
    await expectError({ keep: 8, image: b64(huge) }, 413, 'PAYLOAD_TOO_LARGE', 'image');
  });

  it('bad keep, ratio, method, parameters and other fields', async () => {
    for (const keep of [-1, 0, 2.5, '64', true]) await expectError({ keep }, 422, 'INVALID_INPUT', 'keep');
    await expectError({}, 422, 'INVALID_ARGUMENT', 'keep');
    await expectError({ keep: 8, ratio: 0.5 }, 422, 'INVALID_ARGUMENT', 'keep');
    for (const ratio of [0, 1.5, '0.5']) await expectError({ ratio }, 422, 'INVALID_INPUT', 'ratio');
    await expectError({ keep: 8, method: 'nope' }, 422, 'UNKNOWN_NAME', 'method');
    await expectError({ keep: 8, params: { bogus: 1 } }, 422, 'INVALID_ARGUMENT', 'bogus');
    await expectError({ keep: 8, params: { alpha: 7 } }, 422, 'INVALID_INPUT', 'alpha');
    await expectError({ keep: 8, params: [1] }, 422, 'INVALID_INPUT', 'params');
    await expectError({ noPrune: true, keep: 8 }, 422, 'INVALID_ARGUMENT', 'noPrune');
    await expectError({ noPrune: 'yes' }, 422, 'INVALID_INPUT', 'noPrune');
    for (const maxNewTokens of [0, 1025, 1.5]) await expectError({ keep: 8, maxNewTokens }, 422, 'INVALID_INPUT', 'maxNewTokens');
    await expectError({ keep: 8, prompt: '' }, 422, 'INVALID_INPUT', 'prompt');
    await expectError({ keep: 8, prompt: 'USER: <image> and <image> ASSISTANT:' }, 422, 'INVALID_INPUT', 'prompt');
    await expectError({ keep: 8, importance: 'max' }, 422, 'INVALID_INPUT', 'importance');
    await expectError({ keep: 8, layout: 'rows' }, 422, 'INVALID_INPUT', 'layout');
    await expectError({ keep: 8, temperature: 0.7 }, 422, 'INVALID_ARGUMENT', 'temperature');
  });

  it('a prefill that fails (a method needing LLM keys) is an error response, not a stream', async () => {
    await expectError({ keep: 8, method: 'dart' }, 422, 'MISSING_TENSOR', 'keys');
  });

  it('malformed JSON is 400, another content type 415', async () => {
    const url = `${server.url}/v1/generate`;
    const malformed = await call(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"prompt":' });
    expect(malformed.status).toBe(400);
    expect(errorOf(malformed)).toMatchObject({ code: 'MALFORMED_BODY', field: 'body' });
    const array = await postJson(url, [body({ keep: 8 })]);
    expect(array.status).toBe(400);
    expect(errorOf(array)).toMatchObject({ code: 'MALFORMED_BODY', field: 'body' });
    const bytes = await call(url, { method: 'POST', headers: { 'content-type': 'application/octet-stream' }, body: png });
    expect(bytes.status).toBe(415);
    expect(errorOf(bytes)).toMatchObject({ code: 'UNSUPPORTED_MEDIA_TYPE', field: 'content-type' });
  });
});

describe('POST /v1/generate: one at a time, disconnects, deadlines', () => {
  it('a client that goes away stops the generation before its end; a second request meanwhile gets 503', async () => {
    const metricsBefore = (await call(`${server.url}/metrics`)).text;
    const tokensBefore = series(metricsBefore, 'd2pruner_generated_tokens_total') ?? 0;
    const cancelledBefore = series(metricsBefore, 'd2pruner_generations_total', { method: 'd2pruner', outcome: 'cancelled' }) ?? 0;
    const ac = new AbortController();
    const res = await fetch(`${server.url}/v1/generate`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body({ keep: 64, maxNewTokens: 1024 })), signal: ac.signal });
    expect(res.status).toBe(200);
    const reader = (res.body as ReadableStream<Uint8Array>).getReader();
    let text = '';
    while (!text.includes('event: token')) {
      const { value, done } = await reader.read();
      if (done) throw new Error('the stream ended early');
      text += new TextDecoder().decode(value);
    }
    expect(text.startsWith('event: token\ndata: {"index":0,')).toBe(true);

    const busy = await generate(server, { keep: 8 });
    expect(busy.status).toBe(503);
    expect(busy.headers.get('retry-after')).toBe('1');
    expect(errorOf(busy)).toMatchObject({ code: 'OVERLOADED', field: 'model' });
    expect(((await call(`${server.url}/healthz`)).json as { model: { generating: boolean } }).model.generating).toBe(true);

    ac.abort();
    await idle(server);
    const metricsAfter = (await call(`${server.url}/metrics`)).text;
    const streamed = (series(metricsAfter, 'd2pruner_generated_tokens_total') ?? 0) - tokensBefore;
    expect(streamed).toBeGreaterThan(0);
    expect(streamed).toBeLessThan(1024);
    expect(series(metricsAfter, 'd2pruner_generations_total', { method: 'd2pruner', outcome: 'cancelled' })).toBe(cancelledBefore + 1);
    expect(series(metricsAfter, 'd2pruner_rejected_total', { reason: 'overloaded' })).toBeGreaterThanOrEqual(1);
    // the model is whole again
    expect(streamOf(await generate(server, { keep: 8, maxNewTokens: 2 })).tokens).toHaveLength(2);
  });

  it('a client that disconnects mid-stream aborts the library call: no token is produced after it, and it rejects with the signal\'s reason', async () => {
    /** What the server's calls of generateWithPruning were given and did. */
    const calls: { signal?: AbortSignal; tokens: number; tokensAfterAbort: number; outcome?: unknown }[] = [];
    const watching: TransformersLoader = async () => {
      const tf = await import('@d2pruner/transformers');
      return {
        ...tf,
        generateWithPruning: (loaded, options) => {
          const call: (typeof calls)[number] = { signal: options.signal, tokens: 0, tokensAfterAbort: 0 };
          calls.push(call);
          const run = tf.generateWithPruning(loaded, {
            ...options,
            onToken: (token) => {
              call.tokens++;
              if (options.signal?.aborted) call.tokensAfterAbort++;
              options.onToken?.(token);
            },
          });
          run.then(
            () => void (call.outcome = 'finished'),
            (e: unknown) => void (call.outcome = e),
          );
          return run;
        },
      };
    };
    const watched = await start({ modelDir: dir }, { transformersLoader: watching });
    try {
      const ac = new AbortController();
      const res = await fetch(`${watched.url}/v1/generate`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body({ keep: 64, maxNewTokens: 1024 })), signal: ac.signal });
      expect(res.status).toBe(200);
      const reader = (res.body as ReadableStream<Uint8Array>).getReader();
      for (let text = ''; !text.includes('event: token'); ) {
        const { value, done } = await reader.read();
        if (done) throw new Error('the stream ended early');
        text += new TextDecoder().decode(value);
      }
      ac.abort();
      expect(calls).toHaveLength(1);
      const [call] = calls;
      expect(call.signal).toBeInstanceOf(AbortSignal);
      // the generation stops within moments of the disconnect (a full run takes seconds)
      await vi.waitFor(() => expect(call.outcome).toBeDefined(), { timeout: 5_000, interval: 10 });
      expect(call.signal?.aborted).toBe(true);
      expect(call.outcome).toBe(call.signal?.reason);
      expect(call.tokensAfterAbort).toBe(0);
      expect(call.tokens).toBeGreaterThan(0);
      expect(call.tokens).toBeLessThan(1024);
      await idle(watched);
    } finally {
      await watched.close();
    }
  });

  it('a deadline during the stream ends it with an error event; before it, a 504', async () => {
    // The deadline must fall after the first token and before the end of a full 1024-token run.
    // The shared machine's speed varies between runs, so the deadline adapts: it starts at a
    // third of a measured full run; a run that finishes inside it (the machine got faster) is
    // retried at a third of that deadline, one that times out before its first token (slower)
    // at twice it. Every attempt must end in one of those three valid ways, and one of them
    // must be the mid-stream error event.
    const full = await timedStream(server, { keep: 64, maxNewTokens: 1024 });
    expect(full.tokens).toBe(1024);
    let deadline = Math.round(Math.max(3 * full.firstMs, full.totalMs / 3));
    let midStream = false;
    for (let attempt = 0; attempt < 4 && !midStream; attempt++) {
      const slow = await start({ modelDir: dir, generateTimeoutMs: deadline });
      try {
        // a short warm-up run loads the model, so the timed run pays only for its tokens (a
        // deadline cut short by earlier attempts may end even that one with a 504)
        expect([200, 504]).toContain((await generate(slow, { keep: 64, maxNewTokens: 2 })).status);
        const t0 = Date.now();
        const res = await generate(slow, { keep: 64, maxNewTokens: 1024 });
        const ms = Date.now() - t0;
        if (res.status === 504) {
          expect(errorOf(res)).toMatchObject({ code: 'TIMEOUT', field: 'request' });
          deadline *= 2;
          continue;
        }
        expect(res.status).toBe(200);
        const events = parseSse(res.text);
        const last = events.at(-1) as SseEvent;
        const tokens = events.filter((e) => e.event === 'token');
        if (last.event === 'done') {
          expect(tokens).toHaveLength(1024);
          deadline = Math.max(1, Math.round(deadline / 3));
          continue;
        }
        expect(last.event).toBe('error');
        expect(last.data).toMatchObject({ error: { code: 'TIMEOUT', field: 'request' } });
        expect(tokens.length).toBeGreaterThan(0);
        expect(tokens.length).toBeLessThan(1024);
        expect(events.filter((e) => e.event !== 'token')).toHaveLength(1);
        expect(ms).toBeLessThan(deadline + 5_000);
        await idle(slow);
        expect(series((await call(`${slow.url}/metrics`)).text, 'd2pruner_generations_total', { method: 'd2pruner', outcome: 'timeout' })).toBe(1);
        midStream = true;
      } finally {
        await slow.close();
      }
    }
    expect(midStream).toBe(true);
    const instant = await start({ modelDir: dir, generateTimeoutMs: 1 });
    try {
      const res = await generate(instant, { keep: 64, maxNewTokens: 4 });
      expect(res.status).toBe(504);
      expect(errorOf(res)).toMatchObject({ code: 'TIMEOUT', field: 'request' });
      await idle(instant);
    } finally {
      await instant.close();
    }
  });
});

describe('the model and the rest of the server', () => {
  it('healthz, metrics and the OpenAPI document know the model and the endpoint', async () => {
    const h = (await call(`${server.url}/healthz`)).json as { model: unknown };
    expect(h.model).toEqual({ loaded: true, dir, type: 'llava', device: 'cpu', generating: false });
    const m = (await call(`${server.url}/metrics`)).text;
    expect(series(m, 'd2pruner_model_loaded')).toBe(1);
    expect(series(m, 'd2pruner_generations_in_flight')).toBe(0);
    expect(series(m, 'd2pruner_generations_total', { method: 'd2pruner', outcome: 'done' })).toBeGreaterThanOrEqual(1);
    expect(series(m, 'd2pruner_generations_total', { method: 'none', outcome: 'done' })).toBeGreaterThanOrEqual(1);
    expect(series(m, 'd2pruner_generation_prefill_seconds_count', { method: 'd2pruner' })).toBeGreaterThanOrEqual(1);
    expect(series(m, 'd2pruner_http_requests_total', { method: 'POST', route: '/v1/generate', status: '200' })).toBeGreaterThanOrEqual(1);
    expect(series(m, 'd2pruner_http_requests_total', { method: 'POST', route: '/v1/generate', status: '422' })).toBeGreaterThanOrEqual(1);
    const doc = (await call(`${server.url}/openapi.json`)).json as { paths: Record<string, Record<string, { responses: Record<string, unknown> }>>; components: { schemas: Record<string, { required?: string[] }> } };
    expect(Object.keys(doc.paths['/v1/generate'].post.responses)).toEqual(expect.arrayContaining(['200', '404', '422', '503', '504']));
    expect(doc.components.schemas.GenerateRequest.required).toEqual(['prompt', 'image']);
    expect(doc.components.schemas.GenerateSummary.required).toEqual(['visualTokens', 'prefillTokens', 'prefillMs', 'pruneMs', 'text', 'tokenIds']);
  });

  it('/openapi.json documents the media type each non-JSON 200 is really sent with', async () => {
    /** A media type as essence and parameters (charset aside: it says how the text is encoded, not what it is). */
    const media = (type: string) => {
      const [essence, ...params] = type.split(';').map((p) => p.trim().toLowerCase());
      return { essence, params: params.filter((p) => p !== '' && !p.startsWith('charset=')) };
    };
    const doc = (await call(`${server.url}/openapi.json`)).json as { paths: Record<string, Record<string, { responses: Record<string, { content?: Record<string, { schema?: Record<string, unknown> }> }> }>> };
    const batchLine = `${JSON.stringify({ input: 'llava-sample', keep: 4 })}\n`;
    const routes: [string, string, () => Promise<Res>][] = [
      ['get', '/metrics', () => call(`${server.url}/metrics`)],
      ['get', '/samples/{file}', () => call(`${server.url}/samples/llava-sample.safetensors`)],
      ['post', '/v1/prune/batch', () => call(`${server.url}/v1/prune/batch`, { method: 'POST', headers: { 'content-type': 'application/x-ndjson' }, body: batchLine })],
      ['post', '/v1/generate', () => generate(server, { keep: 32, maxNewTokens: 2 })],
    ];
    for (const [method, path, fetchIt] of routes) {
      const content = doc.paths[path][method].responses['200'].content ?? {};
      const documented = Object.keys(content);
      expect(documented, path).toHaveLength(1);
      expect(content[documented[0]].schema, path).toBeDefined();
      const res = await fetchIt();
      expect(res.status, path).toBe(200);
      const sent = media(res.headers.get('content-type') ?? '');
      const said = media(documented[0]);
      expect(said.essence, path).toBe(sent.essence);
      expect(sent.params, path).toEqual(expect.arrayContaining(said.params));
    }
    expect(media(Object.keys(doc.paths['/metrics'].get.responses['200'].content ?? {})[0]).params).toEqual(['version=0.0.4']);
    // the batch answer is a stream of Selection | BatchError lines, not one object
    const batch = doc.paths['/v1/prune/batch'].post.responses['200'].content?.['application/x-ndjson']?.schema as { type?: string; 'x-items'?: { anyOf?: unknown[] } };
    expect(batch.type).toBe('string');
    expect(batch['x-items']?.anyOf).toHaveLength(2);
  });

  it('without --model-dir: 404 naming model-dir, and @d2pruner/transformers is never imported', async () => {
    let imported = false;
    const bare = await start({}, { transformersLoader: async () => ((imported = true), import('@d2pruner/transformers')) });
    try {
      const res = await generate(bare, { keep: 8 });
      expect(res.status).toBe(404);
      const e = errorOf(res);
      expect(e).toMatchObject({ code: 'NOT_FOUND', field: 'model-dir' });
      expect(e.message).toContain('--model-dir');
      // an incomplete body too: the route does not exist here, so its body is not validated
      for (const body of [{}, { prompt: 1 }]) {
        const incomplete = await postJson(`${bare.url}/v1/generate`, body);
        expect(incomplete.status).toBe(404);
        expect(errorOf(incomplete)).toMatchObject({ code: 'NOT_FOUND', field: 'model-dir' });
      }
      expect(((await call(`${bare.url}/healthz`)).json as { model: unknown }).model).toEqual({ loaded: false, dir: null, type: null, device: null, generating: false });
      expect(series((await call(`${bare.url}/metrics`)).text, 'd2pruner_model_loaded')).toBe(0);
      expect(imported).toBe(false);
    } finally {
      await bare.close();
    }
  });

  it('a model directory that does not load is a typed start-up error naming model-dir', async () => {
    await expect(start({ modelDir: join(root, 'missing') })).rejects.toMatchObject({ code: 'INVALID_INPUT', field: 'model-dir' });
    const bert = join(root, 'bert');
    mkdirSync(bert);
    writeFileSync(join(bert, 'config.json'), JSON.stringify({ model_type: 'bert' }));
    await expect(start({ modelDir: bert })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT', field: 'model-dir', message: expect.stringContaining("'bert'") });
    const empty = join(root, 'no-onnx');
    mkdirSync(empty);
    writeFileSync(join(empty, 'config.json'), JSON.stringify({ model_type: 'llava' }));
    await expect(start({ modelDir: empty })).rejects.toMatchObject({ code: 'INVALID_INPUT', field: 'model-dir', message: expect.stringContaining('--model-dir') });
  });
});
