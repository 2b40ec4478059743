import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { Readable, Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lastValueFrom, toArray } from 'rxjs';
import { readSafetensors } from '@d2pruner/core';
import { batchFileOptions, calibrateFiles, drainGate, nodeReadFile, priorFileBytes, pruneBatchFile, pruneBatchFileResults, readLines } from '../src/node/index.js';
import { makeScene, sceneBytes, tempDir } from './helpers/scenes.js';

const SCENES = 2000;
const BAD = 1000;
/** Attention peak of scene i: 7 is prime to 36, so 36 consecutive scenes have 36 distinct peaks. */
const peakOf = (i: number) => (i * 7) % 36;

describe('Node helpers', () => {
  const tmp = tempDir();
  let batchFile = '';

  beforeAll(() => {
    mkdirSync(join(tmp.dir, 'scenes'));
    const lines: string[] = [];
    for (let i = 0; i < SCENES; i++) {
      tmp.write(`scenes/s${i}.safetensors`, sceneBytes(makeScene({ seed: i + 1, peak: peakOf(i) }), { withLayout: i % 2 === 0 }));
      const budget = i % 3 === 0 ? { ratio: 0.03 } : { keep: 1 }; // round(0.03 · 36) = 1
      const backend = i % 5 === 0 ? { backend: 'cpu' } : {};
      lines.push(JSON.stringify({ input: i === BAD ? 'scenes/missing.safetensors' : `scenes/s${i}.safetensors`, method: 'd2pruner', ...budget, ...backend }));
    }
    batchFile = tmp.write('batch.jsonl', lines.join('\n') + '\n');
  });
  afterAll(() => tmp.cleanup());

  it(`a batch of ${SCENES} scenes with one bad request: one error line, the rest succeed, order kept`, async () => {
    const t0 = performance.now();
    const lines = await lastValueFrom(pruneBatchFile(batchFile, { concurrency: 4 }).pipe(toArray()));
    const ms = performance.now() - t0;
    console.log(`batch of ${SCENES}: ${ms.toFixed(0)} ms, ${((SCENES * 1000) / ms).toFixed(0)} items/s`);
    expect(lines).toHaveLength(SCENES);
    const parsed = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
    const errors = parsed.flatMap((o, k) => (o.error ? [k] : []));
    expect(errors).toEqual([BAD]);
    expect(parsed[BAD]).toEqual({ error: { code: 'INVALID_INPUT', field: 'input', message: expect.stringContaining('no such file') }, line: BAD + 1 });
    parsed.forEach((o, i) => {
      if (i === BAD) return;
      expect(o, `line ${i + 1}`).toMatchObject({ method: 'd2pruner', n: 36, budget: 1, keep: [peakOf(i)], backend: 'cpu' });
    });
  });

  it('structured results report index and line', async () => {
    const results = await lastValueFrom(pruneBatchFileResults(batchFile, { concurrency: 2 }).pipe(toArray()));
    expect(results[BAD]).toMatchObject({ index: BAD, line: BAD + 1, error: { code: 'INVALID_INPUT', field: 'input' } });
    expect(results.filter((r) => r.error)).toHaveLength(1);
    const { timings } = JSON.parse(results[0].text) as { timings: Record<string, number> };
    expect(Object.keys(timings)).toEqual(expect.arrayContaining(['readMs', 'decodeMs', 'pruneMs', 'totalMs']));
    expect(timings.decodeMs).toBeGreaterThanOrEqual(timings.readMs);
  });

  it('nodeReadFile: a missing file or a directory is a typed error on field input', async () => {
    const signal = new AbortController().signal;
    await expect(nodeReadFile(join(tmp.dir, 'nope'), signal)).rejects.toMatchObject({ code: 'INVALID_INPUT', field: 'input' });
    await expect(nodeReadFile(tmp.dir, signal)).rejects.toMatchObject({ code: 'INVALID_INPUT', field: 'input', message: expect.stringContaining('directory') });
    const bytes = await nodeReadFile(join(tmp.dir, 'scenes/s0.safetensors'), signal);
    expect(readSafetensors(bytes).has('features')).toBe(true);
  });

  it('nodeReadFile honours an aborted signal', async () => {
    const c = new AbortController();
    c.abort();
    await expect(nodeReadFile(join(tmp.dir, 'scenes/s0.safetensors'), c.signal)).rejects.toMatchObject({ name: 'AbortError' });
  });

  it('readLines: a missing batch file is a typed error on field batch; a stream works too', async () => {
    await expect(lastValueFrom(pruneBatchFile(join(tmp.dir, 'missing.jsonl')))).rejects.toMatchObject({ code: 'INVALID_INPUT', field: 'batch' });
    const out: string[] = [];
    for await (const l of readLines(Readable.from(['x\ny', '\n']))) out.push(l);
    expect(out).toEqual(['x', 'y']);
  });

  it('drainGate waits for a writable stream to drain', async () => {
    const chunks: string[] = [];
    const slow = new Writable({
      highWaterMark: 4,
      write(chunk: Buffer, _enc, done) {
        setTimeout(() => {
          chunks.push(String(chunk));
          done();
        }, 5);
      },
    });
    const gate = drainGate(slow);
    expect(gate()).toBeUndefined();
    slow.write('more than four bytes');
    const wait = gate();
    expect(wait).toBeInstanceOf(Promise);
    await wait;
    expect(chunks).toEqual(['more than four bytes']);
    expect(gate()).toBeUndefined();
  });

  it('batchFileOptions resolves paths against the JSONL folder', () => {
    const o = batchFileOptions(join(tmp.dir, 'batch.jsonl'));
    expect(o.resolvePath?.('scenes/s1.safetensors')).toBe(join(tmp.dir, 'scenes/s1.safetensors'));
    expect(o.resolvePath?.('/abs/x')).toBe('/abs/x');
  });

  it('calibrateFiles + priorFileBytes write a prior file with the docs/formats.md metadata', async () => {
    const files = [0, 2, 4].map((i) => join(tmp.dir, `scenes/s${i}.safetensors`));
    const result = await calibrateFiles(files, { model: 'llava-1.5-7b', layer: 2 });
    const file = readSafetensors(priorFileBytes(result));
    expect(file.metadata).toMatchObject({ 'd2pruner.model': 'llava-1.5-7b', 'd2pruner.layer': '2', 'd2pruner.samples': '3', 'd2pruner.layoutSignature': result.layoutSignature });
    expect(Array.from(file.get('prior')?.data ?? [])).toEqual(Array.from(result.prior));
  });
});
