import { describe, expect, it } from 'vitest';
import { resolvePruningOptions, selectImage, type PruningOptions } from '../src/index.js';
import { caught } from './helpers.js';

// docs/algorithm.md §6: a prior is keyed by (model, layer, layout signature). In generation the
// image's model is the adapter (default llava-1.5-7b) and its layer the pruning layer.

const N = 576;
const d = 8;
const mat = (rows: number) => ({ rows, cols: d, data: Float32Array.from({ length: rows * d }, (_, i) => Math.sin(i)) });
const image = { image: 0, row: 0, features: mat(N), text: mat(5) };
const prior = new Float32Array(N).fill(1);
const select = (options: Partial<PruningOptions>) => selectImage(resolvePruningOptions({ keep: 4, prior, ...options }), image);

describe('generateWithPruning / withPruning: a prior of another model or layer is refused', () => {
  it('priorModel naming another adapter: INVALID_INPUT naming prior, the message naming the model', async () => {
    const e = await caught(() => select({ priorModel: 'llava-1.5-13b' }));
    expect(e).toMatchObject({ code: 'INVALID_INPUT', field: 'prior' });
    expect(e.message).toMatch(/model/);
  });

  it('priorLayer other than the pruning layer: INVALID_INPUT naming prior, the message naming the layer', async () => {
    const e = await caught(() => select({ priorLayer: 2 }));
    expect(e).toMatchObject({ code: 'INVALID_INPUT', field: 'prior' });
    expect(e.message).toMatch(/layer/);
    expect(e.message).not.toMatch(/model/);
  });

  it('the adapter by its id or an alias in any case, and the same layer, are accepted', async () => {
    for (const priorModel of ['llava-1.5-7b', 'LLaVA-v1.5-7B', 'liuhaotian/llava-v1.5-7b']) {
      expect((await select({ priorModel, priorLayer: 0 })).kept, priorModel).toHaveLength(4);
    }
  });

  it('bad priorModel / priorLayer values are INVALID_ARGUMENT naming them', async () => {
    expect(await caught(() => resolvePruningOptions({ keep: 4, prior, priorModel: '' }))).toMatchObject({ code: 'INVALID_ARGUMENT', field: 'priorModel' });
    expect(await caught(() => resolvePruningOptions({ keep: 4, prior, priorLayer: -1 }))).toMatchObject({ code: 'INVALID_ARGUMENT', field: 'priorLayer' });
  });
});
