import { describe, expect, it } from 'vitest';
import type { Matrix, TokenInput } from '@d2pruner/core';
import { getMethod } from '../src/index.js';
import { loadScene } from './vectors.js';

/*
 * DART and VisionZip check `features` inside their one pass over it (the row scan, the merge),
 * not up front: a non-finite value anywhere, in any role (pivot, dominant, target, member), must
 * still give the same typed error naming `features` and the first bad index, and `features`
 * must still win over the tensors checked after it in §1.4's order.
 */

const SCENE = loadScene('baselines', 'bl-grid6-7.safetensors');

function withValue(m: Matrix, at: number, v: number): Matrix {
  const data = m.data.slice();
  data[at] = v;
  return { ...m, data };
}

function scene(patch: Partial<TokenInput> = {}): TokenInput {
  return { ...SCENE, ...patch };
}

const features = SCENE.features as Matrix;

describe('fused finite checks of features (§1.4)', () => {
  for (const method of ['dart', 'visionzip']) {
    it(`${method}: a NaN or ±Inf in any row → INVALID_INPUT features[i], for every budget`, async () => {
      const bad = [Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY];
      for (let row = 0; row < features.rows; row++) {
        const at = row * features.cols + (row % features.cols);
        const v = bad[row % 3];
        for (const budget of [0, 5, 12, 35, 36]) {
          const input = scene({ features: withValue(features, at, v) });
          await expect(getMethod(method).select(input, budget)).rejects.toMatchObject({
            code: 'INVALID_INPUT',
            field: 'features',
            message: `features[${at}] is ${v}; every value must be finite`,
          });
        }
      }
    });

    it(`${method}: features is reported before keys when both are bad`, async () => {
      const input = scene({ features: withValue(features, 40, Number.NaN), keys: withValue(SCENE.keys as Matrix, 3, Number.NaN) });
      for (const budget of [0, 7, 36]) {
        await expect(getMethod(method).select(input, budget)).rejects.toMatchObject({ code: 'INVALID_INPUT', field: 'features' });
      }
      const keysOnly = scene({ keys: withValue(SCENE.keys as Matrix, 3, Number.NaN) });
      await expect(getMethod(method).select(keysOnly, 7)).rejects.toMatchObject({ code: 'INVALID_INPUT', field: 'keys' });
    });
  }
});
