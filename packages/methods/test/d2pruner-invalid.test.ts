import { describe, expect, it } from 'vitest';
import { D2PrunerError, gridLayout, type TokenInput } from '@d2pruner/core';
import { d2prune } from '../src/index.js';

function base(): TokenInput {
  const n = 9;
  return {
    features: { rows: n, cols: 3, data: Float32Array.from({ length: 3 * n }, (_, i) => (i % 5) - 2) },
    attention: Float32Array.from({ length: n }, (_, i) => (i + 1) / 10),
    prior: new Float32Array(n).fill(0.5),
    layout: gridLayout(3, 3),
  };
}

type Case = [string, (i: TokenInput) => TokenInput, number, Record<string, unknown>, string, string];

const cases: Case[] = [
  ['NaN in features', (i) => (i.features!.data[4] = NaN, i), 3, {}, 'INVALID_INPUT', 'features'],
  ['+Inf in features', (i) => (i.features!.data[0] = Infinity, i), 3, {}, 'INVALID_INPUT', 'features'],
  ['NaN in attention', (i) => (i.attention![2] = NaN, i), 3, {}, 'INVALID_INPUT', 'attention'],
  ['-Inf in attention', (i) => (i.attention![2] = -Infinity, i), 3, {}, 'INVALID_INPUT', 'attention'],
  ['negative attention', (i) => (i.attention![1] = -0.1, i), 3, {}, 'INVALID_INPUT', 'attention'],
  ['NaN in prior', (i) => (i.prior![0] = NaN, i), 3, {}, 'INVALID_INPUT', 'prior'],
  ['prior ≤ −eps', (i) => (i.prior![0] = -1e-6, i), 3, {}, 'INVALID_INPUT', 'prior'],
  ['negative budget', (i) => i, -1, {}, 'INVALID_INPUT', 'keep'],
  ['non-integer budget', (i) => i, 2.5, {}, 'INVALID_INPUT', 'keep'],
  ['attention of the wrong length', (i) => ({ ...i, attention: new Float32Array(8) }), 3, {}, 'SHAPE_MISMATCH', 'attention'],
  ['prior of the wrong length', (i) => ({ ...i, prior: new Float32Array(10) }), 3, {}, 'SHAPE_MISMATCH', 'prior'],
  ['layout of the wrong length', (i) => ({ ...i, layout: gridLayout(2, 4) }), 3, {}, 'SHAPE_MISMATCH', 'layout.frame'],
  ['no layout and N not square', (i) => ({ ...i, layout: undefined, features: { rows: 8, cols: 3, data: new Float32Array(24) }, attention: new Float32Array(8), prior: undefined }), 3, {}, 'INVALID_INPUT', 'layout'],
  ['pivotRatio > 1', (i) => i, 3, { pivotRatio: 1.5 }, 'INVALID_INPUT', 'pivotRatio'],
  ['pivotRatio < 0', (i) => i, 3, { pivotRatio: -0.1 }, 'INVALID_INPUT', 'pivotRatio'],
  ['alpha > 1', (i) => i, 3, { alpha: 1.01 }, 'INVALID_INPUT', 'alpha'],
  ['alpha < 0', (i) => i, 3, { alpha: -1 }, 'INVALID_INPUT', 'alpha'],
  ['negative radius', (i) => i, 3, { radius: -1 }, 'INVALID_INPUT', 'radius'],
  ['non-integer radius', (i) => i, 3, { radius: 1.5 }, 'INVALID_INPUT', 'radius'],
  ['NaN theta', (i) => i, 3, { theta: NaN }, 'INVALID_INPUT', 'theta'],
  ['unknown fallback', (i) => i, 3, { fallback: 'magic' }, 'INVALID_INPUT', 'fallback'],
  ['unknown debias', (i) => i, 3, { debias: 'magic' }, 'INVALID_INPUT', 'debias'],
  ['unknown graph form', (i) => i, 3, { graph: 'sparse' }, 'INVALID_INPUT', 'graph'],
  ['unknown parameter', (i) => i, 3, { pivotratio: 0.5 }, 'INVALID_ARGUMENT', 'pivotratio'],
  ['features data shorter than rows × cols', (i) => ({ ...i, features: { rows: 9, cols: 3, data: new Float32Array(26) } }), 3, {}, 'SHAPE_MISMATCH', 'features'],
  ['features data a plain array', (i) => ({ ...i, features: { rows: 9, cols: 3, data: Array(27).fill(1) as unknown as Float32Array } }), 3, {}, 'SHAPE_MISMATCH', 'features'],
  ['queryPosition over 2^24', (i) => i, 3, { debias: 'rope', queryPosition: 2 ** 24 + 1 }, 'INVALID_INPUT', 'queryPosition'],
  ['visualStart over 2^24 (the default query position follows it)', (i) => i, 3, { debias: 'rope', visualStart: 1e9 }, 'INVALID_INPUT', 'visualStart'],
  ['ropeHeadDim over 4096', (i) => i, 3, { debias: 'rope', ropeHeadDim: 1e8 }, 'INVALID_INPUT', 'ropeHeadDim'],
  ['a rope prior over 2^28 cosines', (i) => i, 3, { debias: 'rope', queryPosition: 2 ** 24, ropeHeadDim: 128 }, 'INVALID_INPUT', 'rope.queryPosition'],
  ['missing features', (i) => ({ ...i, features: undefined }), 3, {}, 'MISSING_TENSOR', 'features'],
  ['missing attention', (i) => ({ ...i, attention: undefined }), 3, {}, 'MISSING_TENSOR', 'attention'],
  ['debias prior without a prior', (i) => ({ ...i, prior: undefined }), 3, { debias: 'prior' }, 'MISSING_TENSOR', 'prior'],
];

describe('D2Pruner invalid input (docs/algorithm.md §2)', () => {
  it.each(cases)('%s → typed error', async (_name, mutate, n, params, code, field) => {
    const err = await d2prune(mutate(base()), n, params).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(D2PrunerError);
    expect((err as D2PrunerError).code).toBe(code);
    expect((err as D2PrunerError).field).toBe(field);
  });

  it('invalid input fails even when the budget is trivial (n = 0 or n ≥ N)', async () => {
    for (const n of [0, 9, 20]) {
      const input = base();
      input.features!.data[0] = NaN;
      await expect(d2prune(input, n)).rejects.toMatchObject({ code: 'INVALID_INPUT', field: 'features' });
    }
  });

  it('a prior the debias uses is checked even when the budget is trivial: NaN, or ≤ −eps, at n = 0 and n ≥ N', async () => {
    for (const bad of [NaN, -1e-6]) {
      for (const n of [0, 9, 20]) {
        const input = base();
        input.prior![4] = bad;
        await expect(d2prune(input, n), `prior ${bad}, n ${n}`).rejects.toMatchObject({ code: 'INVALID_INPUT', field: 'prior' });
        await expect(d2prune(input, n, { debias: 'trend' }), `trend, prior ${bad}, n ${n}`).rejects.toMatchObject({ code: 'INVALID_INPUT', field: 'prior' });
      }
    }
    // a prior the debias does not use is not read
    const unused = base();
    unused.prior![4] = NaN;
    await expect(d2prune(unused, 9, { debias: 'none' })).resolves.toMatchObject({ keep: [0, 1, 2, 3, 4, 5, 6, 7, 8] });
  });

  it('a layout with two tokens on one cell is refused naming layout, by the lazy and the dense graph alike', async () => {
    const dup = (): TokenInput => {
      const i = base();
      i.layout = { frames: [{ rows: 3, cols: 3 }], frame: new Int32Array(9), row: Int32Array.from([0, 0, 0, 1, 1, 1, 2, 2, 0]), col: Int32Array.from([0, 1, 2, 0, 1, 2, 0, 1, 0]) };
      return i;
    };
    for (const graph of ['lazy', 'dense']) {
      await expect(d2prune(dup(), 4, { graph, alpha: 0.5, theta: 0.6, radius: 0 })).rejects.toMatchObject({ code: 'INVALID_INPUT', field: 'layout' });
    }
  });

  it('N = 0 with n > 0 returns []', async () => {
    const s = await d2prune({ features: { rows: 0, cols: 4, data: new Float32Array(0) }, attention: new Float32Array(0), layout: gridLayout(0, 0) }, 5);
    expect(s.keep).toEqual([]);
  });
});

describe('cancellation', () => {
  it('an aborted signal rejects with an AbortError before any work', async () => {
    const ctrl = new AbortController();
    ctrl.abort();
    await expect(d2prune(base(), 3, {}, { signal: ctrl.signal })).rejects.toMatchObject({ name: 'AbortError' });
  });
});
