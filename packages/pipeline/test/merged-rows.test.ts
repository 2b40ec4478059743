import { describe, expect, it } from 'vitest';
import { lastValueFrom, toArray } from 'rxjs';
import { uniformRng, writeSafetensors, type MergedRow } from '@d2pruner/core';
import { getMethod } from '@d2pruner/methods';
import { pruneBatchResults } from '../src/index.js';

const N = 96;
const D = 40;
const DK = 8;

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
    const bytes = writeSafetensors({
      features: { shape: [N, D], data: tokens.features.data },
      clsAttention: { shape: [N], data: tokens.clsAttention },
      keys: { shape: [N, DK], data: tokens.keys.data },
    });
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
});
