import { describe, expect, it } from 'vitest';
import { lastValueFrom, pipe, toArray } from 'rxjs';
import { gridLayout, methodRegistry, registerMethod, type Method } from '@d2pruner/core';
import { d2pruneLazy } from '@d2pruner/methods';
import { decode, d2prunerStages, pruneBatch, pruneBatchResults, type FileReader } from '../src/index.js';
import { makeScene, sceneBytes } from './helpers/scenes.js';

/** An in-memory file system: path → bytes, recording what was read. */
function memoryReader(files: Record<string, Uint8Array>): FileReader & { reads: string[] } {
  const reads: string[] = [];
  const reader = async (path: string) => {
    reads.push(path);
    const b = files[path];
    if (!b) throw Object.assign(new Error(`ENOENT ${path}`), { code: 'ENOENT' });
    return b;
  };
  return Object.assign(reader, { reads });
}

const scene = (peak: number, seed = peak) => sceneBytes(makeScene({ seed, peak }));
const run = (lines: string[], options: Parameters<typeof pruneBatch>[1]) => lastValueFrom(pruneBatch(lines, options).pipe(toArray()));
const parse = (lines: string[]) => lines.map((l) => JSON.parse(l) as Record<string, unknown>);

describe('pruneBatch (docs/formats.md §3)', () => {
  const files = { '/data/a.safetensors': scene(3), '/data/sub/b.safetensors': scene(20), '/abs/c.safetensors': scene(35) };

  it('resolves relative paths against baseDir, keeps absolute ones, and answers in order', async () => {
    const readFile = memoryReader(files);
    const out = parse(
      await run(
        [
          JSON.stringify({ input: 'a.safetensors', method: 'd2pruner', keep: 1 }),
          JSON.stringify({ input: 'sub/b.safetensors', keep: 1 }),
          JSON.stringify({ input: '/abs/c.safetensors', keep: 1 }),
        ],
        { readFile, baseDir: '/data', concurrency: 3 },
      ),
    );
    expect(readFile.reads.sort()).toEqual(['/abs/c.safetensors', '/data/a.safetensors', '/data/sub/b.safetensors']);
    // keep 1 → no pivot (⌊0.7⌋ = 0), one MIS pick: the attention peak
    expect(out.map((o) => o.keep)).toEqual([[3], [20], [35]]);
    expect(out[0]).toMatchObject({ method: 'd2pruner', n: 36, budget: 1, backend: 'cpu' });
  });

  it('a batch layout (--grid) applies to files without one; one that contradicts a file\'s own layout, or has another token count, fails that line naming layout', async () => {
    const files2 = { '/d/own.safetensors': scene(3), '/d/bare.safetensors': sceneBytes(makeScene({ seed: 3, peak: 3 }), { withLayout: false }) };
    const line = (input: string) => JSON.stringify({ input, method: 'uniform', keep: 4 });
    const lines = [line('own.safetensors'), line('bare.safetensors')];
    const agree = parse(await run(lines, { readFile: memoryReader(files2), baseDir: '/d', layout: gridLayout(6, 6) }));
    expect(agree.map((o) => o.error)).toEqual([undefined, undefined]);
    const other = parse(await run(lines, { readFile: memoryReader(files2), baseDir: '/d', layout: gridLayout(4, 9) }));
    expect(other[0]).toEqual({ error: expect.objectContaining({ code: 'INVALID_ARGUMENT', field: 'layout', message: expect.stringMatching(/own layout \(6×6, 36 tokens\).*another \(4×9, 36 tokens\)/) }), line: 1 });
    expect(other[1]).toMatchObject({ method: 'uniform', n: 36, perFrame: [4] });
    const wrongCount = parse(await run(lines, { readFile: memoryReader(files2), baseDir: '/d', layout: gridLayout(5, 5) }));
    expect(wrongCount[1]).toEqual({ error: expect.objectContaining({ code: 'SHAPE_MISMATCH', field: 'layout', message: expect.stringMatching(/25 cells but the input has 36 visual tokens/) }), line: 2 });
  });

  it('accepts ratio instead of keep, and rejects both or neither', async () => {
    const out = parse(
      await run(
        [
          JSON.stringify({ input: 'a.safetensors', ratio: 0.25 }),
          JSON.stringify({ input: 'a.safetensors', keep: 2, ratio: 0.5 }),
          JSON.stringify({ input: 'a.safetensors' }),
        ],
        { readFile: memoryReader(files), baseDir: '/data' },
      ),
    );
    expect(out[0]).toMatchObject({ budget: 9 }); // round(0.25 · 36)
    expect((out[0].keep as number[]).length).toBe(9);
    expect(out[1]).toEqual({ error: expect.objectContaining({ code: 'INVALID_ARGUMENT', field: 'keep' }), line: 2 });
    expect(out[2]).toEqual({ error: expect.objectContaining({ code: 'INVALID_ARGUMENT', field: 'keep' }), line: 3 });
  });

  it('a line backend overrides the default backend', async () => {
    const out = parse(
      await run(
        [JSON.stringify({ input: 'a.safetensors', keep: 4 }), JSON.stringify({ input: 'a.safetensors', keep: 4, backend: 'no-such-backend' })],
        { readFile: memoryReader(files), baseDir: '/data', backend: 'cpu' },
      ),
    );
    expect(out[0]).toMatchObject({ backend: 'cpu', budget: 4 });
    expect(out[1]).toEqual({ error: expect.objectContaining({ code: 'UNKNOWN_NAME', field: 'backend' }), line: 2 });
  });

  it('bad lines become error lines with their line number; blank lines are skipped; ids are echoed', async () => {
    const out = parse(
      await run(['', '{not json', '   ', JSON.stringify({ id: 'q7', input: 'a.safetensors', keep: 1 }), JSON.stringify({ input: 'a.safetensors', kep: 1 }), '[1]', JSON.stringify({ input: 'missing.safetensors', keep: 1 })], {
        readFile: memoryReader(files),
        baseDir: '/data',
      }),
    );
    expect(out).toHaveLength(5);
    expect(out[0]).toEqual({ error: expect.objectContaining({ code: 'INVALID_INPUT', field: 'line' }), line: 2 });
    expect(Object.keys(out[1])[0]).toBe('id');
    expect(out[1]).toMatchObject({ id: 'q7', keep: [3] });
    expect(out[2]).toEqual({ error: expect.objectContaining({ code: 'INVALID_INPUT', field: 'kep' }), line: 5 });
    expect(out[3]).toEqual({ error: expect.objectContaining({ code: 'INVALID_INPUT', field: 'line' }), line: 6 });
    expect(out[4]).toEqual({ error: expect.objectContaining({ code: 'INTERNAL' }), line: 7 });
  });

  it('unordered output carries line numbers and loses nothing', async () => {
    const lines = Array.from({ length: 40 }, (_, k) => JSON.stringify({ input: k % 2 ? 'a.safetensors' : 'sub/b.safetensors', keep: 1 }));
    const out = parse(await run(lines, { readFile: memoryReader(files), baseDir: '/data', ordered: false, concurrency: 4 }));
    expect(out.map((o) => o.line as number).sort((a, b) => a - b)).toEqual(Array.from({ length: 40 }, (_, k) => k + 1));
    for (const o of out) expect(o.keep).toEqual([(o.line as number) % 2 === 0 ? 3 : 20]);
  });

  it('uses the default method for lines without one, and custom per-request stages', async () => {
    const lines = [JSON.stringify({ input: 'a.safetensors', keep: 1 })];
    const unknown = parse(await run(lines, { readFile: memoryReader(files), baseDir: '/data', method: 'nope' }));
    expect(unknown[0]).toEqual({ error: expect.objectContaining({ code: 'UNKNOWN_NAME', field: 'method' }), line: 1 });
    const readFile = memoryReader(files);
    const staged = await lastValueFrom(pruneBatchResults(lines, { baseDir: '/data', stages: pipe(decode({ readFile }), d2prunerStages()) }).pipe(toArray()));
    expect(staged).toEqual([{ index: 0, line: 1, text: expect.stringContaining('"keep":[3]') }]);
  });

  it('results agree with the method run directly (keep 8, default params)', async () => {
    const bytes: Record<string, Uint8Array> = {};
    const inputs = Array.from({ length: 30 }, (_, k) => makeScene({ seed: 500 + k }));
    inputs.forEach((s, k) => (bytes[`/d/${k}.st`] = sceneBytes(s)));
    const lines = inputs.map((_, k) => JSON.stringify({ input: `${k}.st`, keep: 8, params: { alpha: 0.5 } }));
    const out = parse(await run(lines, { readFile: memoryReader(bytes), baseDir: '/d', concurrency: 2 }));
    out.forEach((o, k) => {
      const direct = d2pruneLazy(inputs[k], 8, { alpha: 0.5 });
      expect({ keep: o.keep, pivots: o.pivots, picks: o.picks, rounds: o.rounds }).toEqual({ keep: direct.keep, pivots: direct.pivots, picks: direct.picks, rounds: direct.rounds });
    });
  });
});

describe('pruneBatch: a result that cannot be written', () => {
  it('fails only its own line (and gives its read buffer back); the batch goes on', async () => {
    const unwritable: Method = {
      name: 'test-bigint',
      description: 'returns a selection JSON cannot write',
      requires: [],
      optional: [],
      needsLayout: false,
      params: [],
      select: async (_input, budget) => ({ method: 'test-bigint', n: 36, budget, keep: [0], backend: 'cpu', timings: { totalMs: 0 }, extra: 1n }) as never,
    };
    registerMethod(unwritable, { replace: true });
    try {
      const bytes = sceneBytes(makeScene({ peak: 1 }));
      let released = 0;
      const readFile: FileReader = async () => ({ bytes: bytes.slice(), release: () => released++ });
      const lines = [{ id: 'a', input: 'a', keep: 1, method: 'test-bigint' }, { input: 'b', keep: 1 }].map((l) => JSON.stringify(l));
      const out = await lastValueFrom(pruneBatchResults(lines, { readFile }).pipe(toArray()));
      expect(out.map((r) => [r.line, r.error?.code ?? 'ok'])).toEqual([
        [1, 'INTERNAL'],
        [2, 'ok'],
      ]);
      expect(JSON.parse(out[0].text)).toMatchObject({ id: 'a', line: 1 });
      expect(released).toBe(2);
    } finally {
      methodRegistry.unregister('test-bigint');
    }
  });
});
