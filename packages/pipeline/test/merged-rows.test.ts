import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { lastValueFrom, toArray } from 'rxjs';
import { uniformRng, writeSafetensors, type MergedRow } from '@d2pruner/core';
import { getMethod } from '@d2pruner/methods';
import { pruneBatchResults, selectionText, type BatchResult } from '../src/index.js';
import { pruneBatchInPool, type PrunePool } from '../src/node/index.js';
import { useSharedPool } from './helpers/shared-pool.js';

let pool: PrunePool;
let dir: string;
useSharedPool((p, d) => ((pool = p), (dir = d)), 'd2pruner-merged-rows-');

const N = 96;
const D = 40;
const DK = 8;

function fileBytes(): Uint8Array {
  const tokens = input();
  return writeSafetensors({
    features: { shape: [N, D], data: tokens.features.data },
    clsAttention: { shape: [N], data: tokens.clsAttention },
    keys: { shape: [N, DK], data: tokens.keys.data },
  });
}

/** What a result line says apart from its stage times (which differ from run to run). */
function withoutTimings(text: string): unknown {
  const { timings: _t, ...rest } = JSON.parse(text) as Record<string, unknown>;
  return rest;
}

function input() {
  const rand = uniformRng(11);
  const features = Float32Array.from({ length: N * D }, () => (rand() - 0.5) * 10 ** Math.floor(rand() * 6 - 3));
  const clsAttention = Float32Array.from({ length: N }, () => rand());
  const keys = Float32Array.from({ length: N * DK }, () => rand() - 0.5);
  return { features: { rows: N, cols: D, data: features }, clsAttention, keys: { rows: N, cols: DK, data: keys } };
}

describe('merged rows in result lines', () => {
  it('VisionZip rows come back, through a batch line, as the float32 values the API returns, each in at most 9 significant digits', async () => {
    const tokens = input();
    const bytes = fileBytes();
    const [result] = await lastValueFrom(pruneBatchResults([JSON.stringify({ input: 'v.safetensors', method: 'visionzip', keep: 24 })], { readFile: async () => bytes }).pipe(toArray()));
    const line = JSON.parse(result.text) as { merged: MergedRow[] };
    const api = (await getMethod('visionzip').select(tokens, 24, {})).merged as MergedRow[];
    expect(api.length).toBeGreaterThan(0);
    expect(line.merged.map((m) => [m.index, m.members])).toEqual(api.map((m) => [m.index, m.members]));
    for (let j = 0; j < api.length; j++) {
      for (const v of api[j].row) expect(Math.fround(v)).toBe(v);
      expect(line.merged[j].row.map(Math.fround)).toEqual(api[j].row);
    }
    const numbers = [...result.text.matchAll(/"row":\[([^\]]*)\]/g)].flatMap((m) => m[1].split(','));
    expect(numbers).toHaveLength(api.length * D);
    expect(numbers.every((t) => t.replace(/^-|e.*$|\./g, '').replace(/^0+|0+$/g, '').length <= 9)).toBe(true);
  });

  it('such a line comes as UTF-8 bytes with the text made from them only when read; other lines come as text', async () => {
    const bytes = fileBytes();
    const lines = [
      { id: 'vz', input: 'v.safetensors', method: 'visionzip', keep: 24 },
      { id: 'uni', input: 'v.safetensors', method: 'uniform', keep: 24 },
      { id: 'bad', input: 'v.safetensors', method: 'visionzip', keep: -1 },
    ].map((l) => JSON.stringify(l));
    const results = await lastValueFrom(pruneBatchResults(lines, { readFile: async () => bytes }).pipe(toArray()));
    const [vz, uni, bad] = results;
    expect(vz.bytes).toBeInstanceOf(Uint8Array);
    expect(new TextDecoder().decode(vz.bytes)).toBe(vz.text);
    const body = JSON.parse(vz.text) as Record<string, unknown>;
    expect(vz.text).toBe(selectionText(body));
    expect(body).toMatchObject({ id: 'vz', method: 'visionzip', line: 1 });
    expect({ ...vz }).toEqual({ index: 0, line: 1, bytes: vz.bytes, text: vz.text });
    expect(uni.bytes).toBeUndefined();
    expect(JSON.parse(uni.text)).toMatchObject({ id: 'uni', method: 'uniform', line: 2 });
    expect(bad.bytes).toBeUndefined();
    expect(bad.error?.field).toBe('keep');
  });

  it('worker threads move such lines back as bytes: the same lines, in order, as on the main thread', async () => {
    const file = join(dir, 'v.safetensors');
    writeFileSync(file, fileBytes());
    const lines = [24, 40, 0, 60].flatMap((keep, k) => [
      JSON.stringify({ id: k, input: file, method: 'visionzip', keep }),
      JSON.stringify({ id: `u${k}`, input: file, method: 'uniform', keep: 8 }),
    ]);
    const here = await lastValueFrom(pruneBatchResults(lines, { readFile: async () => fileBytes() }).pipe(toArray()));
    const pooled: BatchResult[] = await lastValueFrom(pruneBatchInPool(lines, { pool }).pipe(toArray()));
    expect(pooled.map((r) => r.index)).toEqual(lines.map((_, k) => k));
    expect(pooled.map((r) => r.bytes !== undefined)).toEqual(here.map((r) => r.bytes !== undefined));
    expect(pooled.filter((r) => r.bytes).length).toBe(3);
    expect(pooled.map((r) => withoutTimings(r.text))).toEqual(here.map((r) => withoutTimings(r.text)));
    for (const r of pooled) if (r.bytes) expect(new TextDecoder().decode(r.bytes)).toBe(r.text);
  });
});
