import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { lastValueFrom, toArray } from 'rxjs';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { MethodParams } from '@d2pruner/core';
import { keepText, parseKeep, parseParam } from '../src/controls.js';
import { runPlan } from '../src/plan.js';
import { sceneFromBytes } from '../src/scene.js';

const sample = new Uint8Array(readFileSync(resolve(import.meta.dirname, '../../../fixtures/samples/llava-sample.safetensors')));

describe('the Keep and parameter boxes', () => {
  it('an empty box is an error, not 0', () => {
    expect(parseKeep('64')).toBe(64);
    expect(parseKeep('0')).toBe(0);
    for (const bad of ['', '  ', '-1', '2.5', 'abc']) expect(() => parseKeep(bad), bad).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT', field: 'keep' }));
    expect(parseParam('alpha', '0.5')).toBe(0.5);
    for (const bad of ['', ' ', 'x', 'Infinity']) expect(() => parseParam('alpha', bad), bad).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT', field: 'alpha' }));
  });
});

describe('runPlan', () => {
  afterEach(() => vi.unstubAllGlobals());

  it('runs every target of a method with the parameters read when the plan started (an edit during the run does not split them)', async () => {
    const queries: string[] = [];
    vi.stubGlobal('fetch', (async (url: string) => {
      queries.push(String(url));
      return new Response(JSON.stringify({ method: 'd2pruner', n: 576, budget: 8, keep: [1], backend: 'cpu', timings: { totalMs: 1 } }), { status: 200 });
    }) as typeof fetch);
    let alpha = 0.5;
    const reads: MethodParams[] = [];
    const plan = {
      scene: sceneFromBytes('mine.safetensors', sample),
      keep: 8,
      methods: ['d2pruner'],
      targets: ['cpu', 'server'] as ('cpu' | 'server')[],
      params: () => {
        const p = { alpha };
        reads.push(p);
        return p;
      },
      unavailable: () => undefined,
      // The user edits α while the first target runs.
      onStart: () => void (alpha = 0.9),
    };
    const results = await lastValueFrom(runPlan(plan).pipe(toArray()));
    expect(results[0].outcomes.map((o) => o.ok)).toEqual([true, true]);
    expect(reads).toEqual([{ alpha: 0.5 }]);
    expect(queries).toEqual(['./v1/prune?method=d2pruner&keep=8&alpha=0.5']);
  });

  it('an invalid parameter fails the plan before any run', async () => {
    const plan = {
      scene: sceneFromBytes('mine.safetensors', sample),
      keep: 8,
      methods: ['fastv', 'd2pruner'],
      targets: ['cpu'] as 'cpu'[],
      params: (m: string) => (m === 'd2pruner' ? { alpha: parseParam('alpha', '') } : {}),
      unavailable: () => undefined,
    };
    const seen: string[] = [];
    await expect(lastValueFrom(runPlan({ ...plan, onStart: (m: string) => void seen.push(m) }))).rejects.toMatchObject({ field: 'alpha' });
    expect(seen).toEqual([]);
  });
});

describe('keepText', () => {
  it('says what is kept when the Keep box asks for more than the scene has', () => {
    expect(keepText(64, 576)).toBe('keep 64');
    expect(keepText(576, 576)).toBe('keep 576');
    expect(keepText(1000, 576)).toBe('keep 576 (asked 1000; the scene has 576 tokens)');
  });
});
