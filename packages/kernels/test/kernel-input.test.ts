import { describe, expect, it } from 'vitest';
import { cpuBackend, KernelRegistry, runCpuKernel, type KernelBackend, type KernelName } from '../src/index.js';

/* Input checks of KernelRegistry.run / runCpuKernel: once, before any backend is chosen. */

/** A backend that would run everything and counts its calls (it must never see a bad input). */
function spyBackend(): KernelBackend & { calls: number } {
  const b = {
    name: 'spy',
    priority: 10,
    minWork: 0,
    calls: 0,
    available: async () => true,
    supports: () => true,
    async run(kernel: never, input: never) {
      b.calls++;
      return cpuBackend.run(kernel, input);
    },
  };
  return b as unknown as KernelBackend & { calls: number };
}

const eye = { rows: 2, cols: 2, data: Float32Array.of(1, 0, 0, 1) };
const flat = { x: Float32Array.of(1, 0, 0, 1), rows: 2, cols: 2, norms: Float64Array.of(1, 1) };
const dpp = { ...flat, relevance: Float64Array.of(1, 1), j: 0, c: new Float64Array(0), t: 0, d2: Float64Array.of(1, 1) };
const edge = { cos: Float32Array.of(1, 0, 0, 1), k: 2, frame: new Int32Array(2), row: Int32Array.of(0, 0), col: Int32Array.of(0, 5), alpha: 0.5, theta: 0.1, radius: 1 };

/** [label, kernel, input, expected code, expected field] */
const BAD: Array<[string, string, unknown, string, string]> = [
  ['data shorter than rows×cols', 'cosineMatrix', { x: { rows: 3, cols: 2, data: new Float32Array(2) } }, 'SHAPE_MISMATCH', 'x'],
  ['rows −1', 'rowNorms', { x: { rows: -1, cols: 2, data: new Float32Array(2) } }, 'SHAPE_MISMATCH', 'x'],
  ['rows NaN', 'rowNorms', { x: { rows: Number.NaN, cols: 2, data: new Float32Array(2) } }, 'SHAPE_MISMATCH', 'x'],
  ['rows 1.5', 'headMean', { x: { rows: 1.5, cols: 2, data: new Float32Array(3) } }, 'SHAPE_MISMATCH', 'x'],
  ['rows 2³¹ over one value', 'rowNorms', { x: { rows: 2 ** 31, cols: 1, data: new Float32Array(1) } }, 'SHAPE_MISMATCH', 'x'],
  ['float64 data', 'cosineMatrix', { x: { rows: 2, cols: 2, data: Float64Array.of(1, 0, 0, 1) } }, 'SHAPE_MISMATCH', 'x'],
  ['subset past the last row', 'cosineMatrix', { x: eye, subset: Int32Array.of(0, 5) }, 'INVALID_INPUT', 'subset'],
  ['negative subset entry', 'cosineMatrix', { x: eye, subset: Int32Array.of(-1, 0) }, 'INVALID_INPUT', 'subset'],
  ['fractional subset (plain array)', 'cosineMatrix', { x: eye, subset: [0, 0.5] }, 'SHAPE_MISMATCH', 'subset'],
  ['edgeBlock subset out of range', 'edgeBlock', { x: eye, subset: Int32Array.of(0, 2), alpha: 1, theta: 0.5 }, 'INVALID_INPUT', 'subset'],
  ['edgeBlock NaN theta', 'edgeBlock', { x: eye, subset: Int32Array.of(0, 1), alpha: 1, theta: Number.NaN }, 'INVALID_INPUT', 'theta'],
  ['similarityRows query out of range', 'similarityRows', { x: eye, queries: Int32Array.of(7), candidates: Int32Array.of(0) }, 'INVALID_INPUT', 'queries'],
  ['similarityRows candidate out of range', 'similarityRows', { x: eye, queries: Int32Array.of(0), candidates: Int32Array.of(0, 2) }, 'INVALID_INPUT', 'candidates'],
  ['edgeBitset short cos', 'edgeBitset', { ...edge, cos: new Float32Array(1) }, 'SHAPE_MISMATCH', 'cos'],
  ['edgeBitset short frame', 'edgeBitset', { ...edge, frame: new Int32Array(1) }, 'SHAPE_MISMATCH', 'frame'],
  ['edgeBitset NaN alpha', 'edgeBitset', { ...edge, alpha: Number.NaN }, 'INVALID_INPUT', 'alpha'],
  ['maxSimilarity query out of range', 'maxSimilarity', { ...flat, queries: Int32Array.of(9), candidates: Int32Array.of(0, 1) }, 'INVALID_INPUT', 'queries'],
  ['maxSimilarity candidate out of range', 'maxSimilarity', { ...flat, queries: Int32Array.of(0), candidates: Int32Array.of(1, -3) }, 'INVALID_INPUT', 'candidates'],
  ['maxSimilarity short x', 'maxSimilarity', { ...flat, x: new Float32Array(3), queries: Int32Array.of(0), candidates: Int32Array.of(1) }, 'SHAPE_MISMATCH', 'x'],
  ['maxSimilarity fractional rows', 'maxSimilarity', { ...flat, rows: 1.5, queries: Int32Array.of(0), candidates: Int32Array.of(1) }, 'INVALID_INPUT', 'rows'],
  ['maxSimilarity short norms', 'maxSimilarity', { ...flat, norms: Float64Array.of(1), queries: Int32Array.of(0), candidates: Int32Array.of(1) }, 'SHAPE_MISMATCH', 'norms'],
  ['maxMinUpdate j out of range', 'maxMinUpdate', { ...flat, j: 9, minDist: new Float64Array(2) }, 'INVALID_INPUT', 'j'],
  ['maxMinUpdate short minDist', 'maxMinUpdate', { ...flat, j: 0, minDist: new Float64Array(1) }, 'SHAPE_MISMATCH', 'minDist'],
  ['dppUpdate t above the rows c holds', 'dppUpdate', { ...dpp, t: 5 }, 'SHAPE_MISMATCH', 'c'],
  ['dppUpdate fractional t', 'dppUpdate', { ...dpp, t: 0.5 }, 'INVALID_INPUT', 't'],
  ['dppUpdate j NaN', 'dppUpdate', { ...dpp, j: Number.NaN }, 'INVALID_INPUT', 'j'],
  ['null input', 'rowNorms', null, 'INVALID_INPUT', 'input'],
  ['unknown kernel', 'nope', {}, 'UNKNOWN_NAME', 'kernel'],
  ['inherited name', 'toString', {}, 'UNKNOWN_NAME', 'kernel'],
];

describe('kernel input checks', () => {
  it.each(BAD)('%s: the registry refuses before any backend runs, on every request', async (_, kernel, input, code, field) => {
    const r = new KernelRegistry();
    const spy = spyBackend();
    r.register(spy);
    for (const request of ['auto', 'spy', 'cpu']) {
      await expect(r.run(kernel as KernelName, input as never, request)).rejects.toMatchObject({ code, field });
    }
    expect(spy.calls).toBe(0);
    expect(() => runCpuKernel(kernel as KernelName, input as never)).toThrow(expect.objectContaining({ code, field }));
  });

  it('valid inputs still run, with the values known by hand', async () => {
    const r = new KernelRegistry();
    const x = { rows: 3, cols: 2, data: Float32Array.of(1, 0, 0, 1, 1, 1) };
    const s = Math.SQRT1_2;
    const cos = (await r.run('cosineMatrix', { x })).output;
    Array.from(cos).forEach((v, i) => expect(v).toBeCloseTo([1, 0, s, 0, 1, s, s, s, 1][i], 6));
    const sub = (await r.run('cosineMatrix', { x, subset: Int32Array.of(2, 0) })).output;
    Array.from(sub).forEach((v, i) => expect(v).toBeCloseTo([1, s, s, 1][i], 6));
    expect(Array.from((await r.run('rowNorms', { x: { rows: 3, cols: 0, data: new Float32Array(0) } })).output)).toEqual([0, 0, 0]);
    // maxMin: row 1 is orthogonal to row 0, distance 1 − 0 = 1 is above 0.5 and below 2
    expect(Array.from((await r.run('maxMinUpdate', { ...flat, j: 0, minDist: Float64Array.of(0.5, 2) })).output)).toEqual([0, 1]);
    // dpp at t = 0, j = 0: e = [1, 0], d2' = [1 − 1, 1 − 0]
    expect(Array.from((await r.run('dppUpdate', dpp)).output)).toEqual([1, 0, 0, 1]);
    // t = 1 with exactly rows values in c is enough
    expect((await r.run('dppUpdate', { ...dpp, c: Float64Array.of(0, 0), t: 1 })).output).toHaveLength(4);
    expect(Array.from((await r.run('maxSimilarity', { ...flat, queries: Int32Array.of(0, 1), candidates: Int32Array.of(0, 1) })).output)).toEqual([0, 0]);
  });
});
