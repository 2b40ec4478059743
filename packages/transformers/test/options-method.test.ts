import { InvalidArgumentError } from '@d2pruner/core';
import { getMethod } from '@d2pruner/methods';
import { describe, expect, it } from 'vitest';
import { resolvePruningOptions, selectImage, type PruningOptions } from '../src/index.js';
import { caught } from './helpers.js';

const N = 576;
const d = 8;
const mat = (rows: number) => ({ rows, cols: d, data: Float32Array.from({ length: rows * d }, (_, i) => Math.sin(i)) });
const image = { image: 0, row: 0, features: mat(N), text: mat(5) };

describe('resolvePruningOptions: method must be a name or a method object', () => {
  it('method: null is INVALID_ARGUMENT method, not "pruning disabled"', async () => {
    const e = await caught(() => resolvePruningOptions({ keep: 4, method: null } as unknown as PruningOptions));
    expect(e).toBeInstanceOf(InvalidArgumentError);
    expect(e).toMatchObject({ code: 'INVALID_ARGUMENT', field: 'method' });
    // also when measuring only: null is never a valid method
    expect(await caught(() => resolvePruningOptions({ enabled: false, method: null } as unknown as PruningOptions))).toMatchObject({ field: 'method' });
  });

  it('other non-string non-method values are refused too', async () => {
    for (const method of [42, true, [], {}, { name: 'x' }, { select: () => undefined }]) {
      expect(await caught(() => resolvePruningOptions({ keep: 4, method } as unknown as PruningOptions)), JSON.stringify(method)).toMatchObject({ code: 'INVALID_ARGUMENT', field: 'method' });
    }
  });

  it('names and method objects still work and keep exactly `keep` tokens', async () => {
    for (const method of [undefined, 'fastv', getMethod('fastv')]) {
      const opts = resolvePruningOptions({ keep: 4, method });
      expect(opts.method?.name).toBe(method === undefined ? 'd2pruner' : 'fastv');
      expect((await selectImage(opts, image)).kept).toHaveLength(4);
    }
    expect(resolvePruningOptions({ enabled: false }).method).toBeNull();
  });
});
