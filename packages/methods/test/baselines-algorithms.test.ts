import { describe, expect, it } from 'vitest';
import { gridLayout, type Layout, type TokenInput } from '@d2pruner/core';
import { cpythonSetOrder, framePoints, getMethod, mulberry32, splitBudget } from '../src/index.js';
import { loadCases, loadScene } from './vectors.js';

/* Hand-checkable examples of docs/baselines.md §§3.1, 8, 9 (expected values derived by hand or by CPython). */

describe('random (§9)', () => {
  it('mulberry32 seed 0 gives the check values', () => {
    const next = mulberry32(0);
    expect([next(), next(), next()]).toEqual([1144304738, 1416247, 958946056]);
  });

  it('n = 1 picks ⌊x·N / 2³²⌋ of the first draw', async () => {
    // 1144304738 · 36 / 2^32 = 9.59… → perm[0] ↔ perm[9]
    const s = await getMethod('random').select({ attention: new Float32Array(36) }, 1, { seed: 0 });
    expect(s.keep).toEqual([9]);
  });

  it('n = 2: the second draw picks from the remaining N − 1', async () => {
    // draw 2: 1416247 · 35 / 2^32 = 0.0115… → j = 1 + 0 = 1 (perm[1] = 1 stays)
    const s = await getMethod('random').select({ attention: new Float32Array(36) }, 2, { seed: 0 });
    expect(s.keep).toEqual([1, 9]);
  });

  it('takes N from any tensor and rejects N ≥ 2^21', async () => {
    await expect(getMethod('random').select({ attention: new Float32Array(2 ** 21) }, 1)).rejects.toMatchObject({ code: 'INVALID_INPUT' });
    await expect(getMethod('random').select({}, 1)).rejects.toMatchObject({ code: 'INVALID_INPUT' });
  });
});

function gridInput(layout: Layout): TokenInput {
  return { layout };
}

describe('uniform (§8)', () => {
  it('24×24, n = 64 keeps rows and columns 1, 4, 7, …, 22', async () => {
    const lines = Array.from({ length: 8 }, (_, i) => 1 + 3 * i);
    const expected = lines.flatMap((r) => lines.map((c) => r * 24 + c));
    const s = await getMethod('uniform').select(gridInput(gridLayout(24, 24)), 64);
    expect(s.keep).toEqual(expected);
    expect(s.perFrame).toEqual([64]);
  });

  it('answers to the alias window', () => {
    expect(getMethod('window').name).toBe('uniform');
  });

  it('without a layout the tokens form one 1×N frame', async () => {
    // k = 3, C = 10: g = 1, columns ⌊(2j+1)·10/6⌋ = 1, 5, 8
    const s = await getMethod('uniform').select({ attention: new Float32Array(10) }, 3);
    expect(s.keep).toEqual([1, 5, 8]);
  });

  it('splits the budget by largest remainder, ties to the lower frame', () => {
    expect(splitBudget(5, [4, 16], 20)).toEqual([1, 4]);
    // 3·4/8 = 1.5 each: one leftover, equal remainders → frame 0
    expect(splitBudget(3, [4, 4], 8)).toEqual([2, 1]);
  });

  it('places k points per frame on g rows (|g²C − kR| minimal)', () => {
    // 4×4, k = 4: g = 2, rows 1 and 3, columns 1 and 3
    expect(framePoints(4, 4, 4)).toEqual([
      [1, 1],
      [1, 3],
      [3, 1],
      [3, 3],
    ]);
    // 2×6, k = 3: g ∈ [1, 2]; |6 − 6| = 0 at g = 1 → one row (y = 1), columns 1, 3, 5
    expect(framePoints(2, 6, 3)).toEqual([
      [1, 1],
      [1, 3],
      [1, 5],
    ]);
  });

  it('rejects a layout whose frame is not a complete grid', async () => {
    const layout: Layout = { frames: [{ rows: 2, cols: 2 }], frame: Int32Array.of(0, 0, 0, 0), row: Int32Array.of(0, 0, 1, 1), col: Int32Array.of(0, 0, 0, 1) };
    await expect(getMethod('uniform').select(gridInput(layout), 2)).rejects.toMatchObject({ code: 'INVALID_INPUT', field: 'layout' });
    await expect(getMethod('uniform').select(gridInput(layout), 0)).rejects.toMatchObject({ code: 'INVALID_INPUT', field: 'layout' });
  });
});

describe('DART pivot order cpython-set (§3.1)', () => {
  it('matches list(set(v)) of CPython 3.11', () => {
    expect(cpythonSetOrder([1, 9])).toEqual([1, 9]);
    expect(cpythonSetOrder([9, 1])).toEqual([9, 1]);
    expect(cpythonSetOrder([100, 3, 200])).toEqual([200, 3, 100]);
    expect(cpythonSetOrder([1468, 2828, 2670, 2171, 118, 1907, 1020, 2658, 212])).toEqual([2658, 2828, 1020, 2670, 1907, 212, 118, 2171, 1468]);
    expect(cpythonSetOrder([463, 1522, 1921, 1009, 1559, 2227, 417])).toEqual([1921, 417, 463, 1009, 1522, 2227, 1559]);
    const v22 = [
      59294, 73370, 61033, 59222, 66563, 76989, 24890, 24203, 67096, 62359, 82559, 80472, 24402, 12336, 58535, 39767, 18585, 11884, 70607, 90890, 83158, 5489,
    ];
    expect(cpythonSetOrder(v22)).toEqual([
      66563, 90890, 24203, 62359, 67096, 18585, 73370, 59294, 58535, 12336, 24890, 76989, 70607, 24402, 59222, 39767, 80472, 83158, 61033, 11884, 5489, 82559,
    ]);
  });

  it('orders the grid6 pivots as the official (offset 35) and the vectors', async () => {
    // positions 35 + (26, 6, 4, 32) and 35 + 36 + (2, 5, 3, 0); CPython: [67, 39, 71, 73, 41, 74, 76, 61]
    const s = await getMethod('dart').select(loadScene('baselines', 'bl-grid6-7.safetensors'), 7, { pivotOrder: 'cpython-set', sequenceOffset: 35 });
    expect(s.imagePivots).toEqual([26, 6, 4, 32]);
    expect(s.textPivots).toEqual([2, 5, 3, 0]);
    expect(s.pivotOrder).toEqual([
      ['image', 32],
      ['image', 4],
      ['text', 0],
      ['text', 2],
      ['image', 6],
      ['text', 3],
      ['text', 5],
      ['image', 26],
    ]);
  });

  it('every cpython-set vector case reproduces keep and pivot order', async () => {
    const cases = loadCases('baselines', 'baseline-cases-7.json').filter((c) => c.method === 'dart' && c.params.pivotOrder === 'cpython-set');
    expect(cases).toHaveLength(106);
    let same = 0;
    for (const c of cases) {
      const s = await getMethod('dart').select(loadScene('baselines', c.input), c.keep, c.params);
      if (JSON.stringify([s.keep, s.pivotOrder]) === JSON.stringify([c.expected.keep, c.expected.pivotOrder])) same++;
    }
    expect(same).toBe(106);
  });

  it('DART quotas: the remainder goes to the first pivot, each pivot takes its least similar tokens', async () => {
    // pivots 0 = (1, 0) and 1 = (0, 1) by key norm; n = 5 → rem 3 over P = 2: quotas 2, 1.
    // Pivot 0 takes tokens 2 (cos −1) and 3 (cos −0.995); pivot 1 then takes 4 (cos −1).
    // (Quotas 1, 2 would give {2} and {4, 5}.)
    const rows = [
      [1, 0],
      [0, 1],
      [-1, 0],
      [-1, -0.1],
      [0, -1],
      [0.1, -1],
      [1, 1],
      [2, 1],
      [1, 2],
      [3, 1],
    ];
    const input: TokenInput = {
      features: { rows: 10, cols: 2, data: Float32Array.from(rows.flat()) },
      keys: { rows: 10, cols: 1, data: Float32Array.of(10, 9, 1, 1, 1, 1, 1, 1, 1, 1) },
    };
    const s = await getMethod('dart').select(input, 5, { pivotImage: 2, text: false });
    expect(s.imagePivots).toEqual([0, 1]);
    expect(s.keep).toEqual([0, 1, 2, 3, 4]);
  });
});
