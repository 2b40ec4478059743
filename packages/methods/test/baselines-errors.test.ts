import { describe, expect, it } from 'vitest';
import type { Matrix, TensorName, TokenInput } from '@d2pruner/core';
import { getMethod, listMethods } from '../src/index.js';
import { loadScene } from './vectors.js';

/* Validation of docs/baselines.md §1.4: typed errors naming the tensor or parameter, before trivial budgets. */

const SCENE = loadScene('baselines', 'bl-grid6-7.safetensors');

function scene(): TokenInput {
  return { ...SCENE };
}

function withNaN(m: Matrix): Matrix {
  const data = m.data.slice();
  data[5] = Number.NaN;
  return { ...m, data };
}

function fewerRows(m: Matrix): Matrix {
  return { rows: m.rows - 1, cols: m.cols, data: m.data.subarray(0, (m.rows - 1) * m.cols) };
}

/** Tensors each method needs for its default parameters. */
const REQUIRED: Record<string, TensorName[]> = {
  fastv: ['attention'],
  dart: ['features', 'keys'],
  divprune: ['features'],
  vispruner: ['features', 'clsAttention'],
  visionzip: ['features', 'clsAttention', 'keys'],
  cdpruner: ['features'],
};

const VECTORS = new Set<TensorName>(['attention', 'clsAttention']);

async function rejects(method: string, input: TokenInput, budget: number, params: Record<string, unknown>, code: string, field: string): Promise<void> {
  await expect(getMethod(method).select(input, budget, params)).rejects.toMatchObject({ code, field });
}

describe('baselines: typed errors (§1.4)', () => {
  for (const [method, tensors] of Object.entries(REQUIRED)) {
    describe(method, () => {
      for (const t of tensors) {
        for (const budget of [0, 5, 36]) {
          it(`missing ${t} → MISSING_TENSOR (n = ${budget})`, async () => {
            const input = scene();
            delete input[t];
            await rejects(method, input, budget, {}, 'MISSING_TENSOR', t);
          });
        }
        it(`${t} with the wrong shape → SHAPE_MISMATCH`, async () => {
          const input = scene();
          if (VECTORS.has(t)) {
            (input as Record<string, unknown>)[t] = (input[t] as Float32Array).subarray(1);
            if (method === 'fastv') {
              // FastV's N is the attention length: give it a matrix instead (wrong rank)
              (input as Record<string, unknown>)[t] = { rows: 36, cols: 1, data: new Float32Array(36) };
            }
          } else if (t === 'features') {
            (input as Record<string, unknown>)[t] = { rows: 36, cols: 16, data: new Float32Array(36 * 15) };
          } else {
            (input as Record<string, unknown>)[t] = fewerRows(input[t] as Matrix);
          }
          await rejects(method, input, 0, {}, 'SHAPE_MISMATCH', t);
        });
        it(`NaN in ${t} → INVALID_INPUT, even for a trivial budget`, async () => {
          for (const budget of [0, 5, 99]) {
            const input = scene();
            if (VECTORS.has(t)) {
              const v = (input[t] as Float32Array).slice();
              v[3] = Number.POSITIVE_INFINITY;
              (input as Record<string, unknown>)[t] = v;
            } else {
              (input as Record<string, unknown>)[t] = withNaN(input[t] as Matrix);
            }
            await rejects(method, input, budget, {}, 'INVALID_INPUT', t);
          }
        });
      }
      it('bad budgets → INVALID_INPUT naming keep', async () => {
        await rejects(method, scene(), -1, {}, 'INVALID_INPUT', 'keep');
        await rejects(method, scene(), 2.5, {}, 'INVALID_INPUT', 'keep');
      });
      it('unknown parameter → INVALID_ARGUMENT naming it', async () => {
        await rejects(method, scene(), 3, { bogus: 1 }, 'INVALID_ARGUMENT', 'bogus');
      });
    });
  }

  it('every method: an input that is not an object, or parameters that are not one, → INVALID_ARGUMENT naming it', async () => {
    for (const m of listMethods()) {
      for (const input of [null, undefined, 5, []]) {
        await expect(m.select(input as unknown as TokenInput, 3, {}), `${m.name} input ${String(input)}`).rejects.toMatchObject({ code: 'INVALID_ARGUMENT', field: 'input' });
      }
      for (const params of [null, [1], 'x']) {
        await expect(m.select(scene(), 3, params as unknown as Record<string, unknown>), `${m.name} params ${String(params)}`).rejects.toMatchObject({ code: 'INVALID_ARGUMENT', field: 'params' });
      }
    }
  });

  it('random: a token count that is not an integer ≥ 0 → SHAPE_MISMATCH naming the tensor it came from', async () => {
    for (const rows of ['16', 16.5, -1]) {
      await rejects('random', { features: { rows, cols: 1, data: new Float32Array(16) } as unknown as Matrix }, 3, {}, 'SHAPE_MISMATCH', 'features');
    }
  });

  it('tensors a method does not consume are not checked', async () => {
    const input = scene();
    input.features = withNaN(input.features as Matrix);
    await expect(getMethod('fastv').select(input, 3)).resolves.toMatchObject({ keep: expect.any(Array) });
    const noText = scene();
    noText.textFeatures = withNaN(noText.textFeatures as Matrix);
    await expect(getMethod('dart').select(noText, 9, { text: false })).resolves.toMatchObject({ textPivots: [] });
    await expect(getMethod('dart').select(noText, 9)).rejects.toMatchObject({ code: 'INVALID_INPUT', field: 'textFeatures' });
  });

  it('text tensors: one without the other, and width mismatches', async () => {
    const a = scene();
    delete a.textKeys;
    await rejects('dart', a, 0, {}, 'MISSING_TENSOR', 'textKeys');
    const b = scene();
    b.textFeatures = { rows: 8, cols: 15, data: new Float32Array(8 * 15) };
    await rejects('dart', b, 0, {}, 'SHAPE_MISMATCH', 'textFeatures');
    const c = scene();
    c.textEmbeds = { rows: 2, cols: 31, data: new Float32Array(62) };
    await rejects('cdpruner', c, 0, { relevance: 'embeds' }, 'SHAPE_MISMATCH', 'textEmbeds');
    const d = scene();
    delete d.imageEmbeds;
    await rejects('cdpruner', d, 5, { relevance: 'embeds' }, 'MISSING_TENSOR', 'imageEmbeds');
    const e = scene();
    e.imageEmbeds = withNaN(e.imageEmbeds as Matrix);
    await rejects('cdpruner', e, 0, { relevance: 'embeds' }, 'INVALID_INPUT', 'imageEmbeds');
  });

  it('parameters outside their domain → INVALID_INPUT naming the parameter, before trivial budgets', async () => {
    const bad: [string, Record<string, unknown>, string][] = [
      ['dart', { pivotImage: -1 }, 'pivotImage'],
      ['dart', { pivotText: 1.5 }, 'pivotText'],
      ['dart', { pivotOrder: 'python' }, 'pivotOrder'],
      ['dart', { pivotOrder: 'cpython-set' }, 'sequenceOffset'],
      ['dart', { pivotOrder: 'cpython-set', sequenceOffset: -3 }, 'sequenceOffset'],
      ['dart', { pivotImage: 0, text: false }, 'pivotImage'],
      ['dart', { text: 'yes' }, 'text'],
      ['vispruner', { importantRatio: 1.5 }, 'importantRatio'],
      ['vispruner', { dropPerStep: 0 }, 'dropPerStep'],
      ['visionzip', { contextual: -1 }, 'contextual'],
      ['visionzip', { contextual: 2.5 }, 'contextual'],
      ['cdpruner', { relevanceSign: 0.5 }, 'relevanceSign'],
      ['cdpruner', { theta: 1 }, 'theta'],
      ['cdpruner', { theta: -0.1 }, 'theta'],
      ['cdpruner', { relevance: 'clip' }, 'relevance'],
      ['cdpruner', { exhaustTol: -1 }, 'exhaustTol'],
      ['random', { seed: -1 }, 'seed'],
      ['random', { seed: 2 ** 32 }, 'seed'],
      ['random', { seed: 0.5 }, 'seed'],
    ];
    for (const [method, params, field] of bad) {
      for (const budget of [0, 4, 36]) await rejects(method, scene(), budget, params, 'INVALID_INPUT', field);
    }
  });

  it('registry: d2pruner first, then every baseline, with the §10.3 defaults', () => {
    expect(listMethods().map((m) => m.name).slice(0, 9)).toEqual(['d2pruner', 'fastv', 'dart', 'divprune', 'vispruner', 'visionzip', 'cdpruner', 'uniform', 'random']);
    const defaults = (name: string) => Object.fromEntries(getMethod(name).params.map((p) => [p.name, p.default ?? p.defaultNote]));
    expect(defaults('dart')).toMatchObject({ pivotImage: 4, pivotText: 4, text: true, pivotOrder: 'spec' });
    expect(defaults('vispruner')).toEqual({ importantRatio: 0.5, dropPerStep: 8, exactBudget: false });
    expect(defaults('visionzip').contextual).toMatch(/5n \+ 16/);
    expect(defaults('cdpruner')).toMatchObject({ relevanceSign: -1, relevance: 'features', text: true, exhaustTol: 1e-12 });
    expect(defaults('random')).toEqual({ seed: 0 });
    expect(getMethod('fastv').params).toEqual([]);
    expect(getMethod('uniform').aliases).toEqual(['window']);
  });
});

describe('untyped layouts', () => {
  it('uniform and d2pruner give a typed error for a layout without frame, with a null frame entry or fractional coordinates', async () => {
    const s = scene();
    const l = s.layout!;
    const bad: [unknown, string][] = [
      [{ frames: l.frames, row: l.row, col: l.col }, 'layout.frame'],
      [{ ...l, frames: [null] }, 'layout.frames[0]'],
      [{ ...l, frame: Array.from(l.frame, (f) => f + 0.5) }, 'layout.frame'],
    ];
    for (const [layout, field] of bad) {
      for (const name of ['uniform', 'd2pruner']) {
        await expect(getMethod(name).select({ ...s, layout: layout as TokenInput['layout'] }, 4)).rejects.toMatchObject({ field });
      }
    }
  });
});
