import { describe, expect, it } from 'vitest';
import { errorOf } from './typed-error.js';
import {
  Registry,
  assertMatrix,
  assertTokenInput,
  decodeToF32,
  quoteValue,
  gridLayout,
  parseDecimal,
  parseParamValue,
  readSafetensors,
  resolveParams,
  subsetLayout,
  tokenCount,
  validateTokenInput,
  vectorOrHeadMean,
  writeSafetensors,
  type ParamSpec,
  type Tensor,
  type TokenInput,
} from '../src/index.js';

// Values that plain JavaScript callers can pass past the TypeScript types.
const loose = <T>(v: unknown) => v as T;

describe('untyped callers get typed errors naming the field, before work or memory is spent', () => {
  it('matrices: integer rows and cols, a Float32Array of exactly rows·cols values', () => {
    expect(() => assertMatrix('features', { rows: 2, cols: 3, data: new Float32Array(6) })).not.toThrow();
    for (const m of [null, 5, { rows: 2, cols: 3, data: [1, 2, 3, 4, 5, 6] }, { rows: '2', cols: 3, data: new Float32Array(6) }, { rows: 2.5, cols: 2, data: new Float32Array(5) }, { rows: -1, cols: 0, data: new Float32Array(0) }, { rows: 16, cols: 8, data: new Float32Array(123) }]) {
      expect(errorOf(() => assertMatrix('features', m))).toMatchObject({ code: 'SHAPE_MISMATCH', field: 'features' });
    }
  });

  it('token inputs: not an object, malformed matrices, vectors that are not Float32Array, counts that are not integers', () => {
    const ok = (): TokenInput => ({ features: { rows: 4, cols: 2, data: new Float32Array(8) }, attention: new Float32Array(4), layout: gridLayout(2, 2) });
    expect(validateTokenInput(ok())).toBe(4);
    for (const input of [null, undefined, 7, 'x', []]) {
      expect(errorOf(() => validateTokenInput(loose(input)))).toMatchObject({ code: 'INVALID_ARGUMENT', field: 'input' });
      expect(errorOf(() => tokenCount(loose(input)))).toMatchObject({ code: 'INVALID_ARGUMENT', field: 'input' });
      expect(errorOf(() => assertTokenInput(input))).toMatchObject({ field: 'input' });
    }
    expect(errorOf(() => validateTokenInput({ ...ok(), features: { rows: 4, cols: 2, data: new Float32Array(7) } }))).toMatchObject({ code: 'SHAPE_MISMATCH', field: 'features' });
    expect(errorOf(() => validateTokenInput({ ...ok(), keys: loose({ rows: 4, cols: 2, data: Array(8).fill(0) }) }))).toMatchObject({ code: 'SHAPE_MISMATCH', field: 'keys' });
    expect(errorOf(() => validateTokenInput({ ...ok(), attention: loose([1, 2, 3, 4]) }))).toMatchObject({ code: 'SHAPE_MISMATCH', field: 'attention' });
    expect(errorOf(() => tokenCount({ features: loose({ rows: '16', cols: 1, data: new Float32Array(16) }) }))).toMatchObject({ code: 'SHAPE_MISMATCH', field: 'features' });
    expect(errorOf(() => tokenCount({ features: loose({ rows: 16.5, cols: 1, data: new Float32Array(16) }) }))).toMatchObject({ code: 'SHAPE_MISMATCH', field: 'features' });
  });

  it('tensors reduced to vectors: data that does not hold the shape is refused before it is read', () => {
    const t = (shape: number[], length: number): Tensor => ({ shape, data: new Float32Array(length) });
    expect(Array.from(vectorOrHeadMean(t([2, 2], 4), 'attention'))).toEqual([0, 0]);
    expect(errorOf(() => vectorOrHeadMean(t([2, 4], 3), 'attention'))).toMatchObject({ code: 'SHAPE_MISMATCH', field: 'attention' });
    const t0 = performance.now();
    expect(errorOf(() => vectorOrHeadMean(t([2 ** 20, 2 ** 20], 4), 'attention'))).toMatchObject({ code: 'SHAPE_MISMATCH', field: 'attention' });
    expect(performance.now() - t0).toBeLessThan(1000); // refused, not a 2^40-step loop
  });

  it('decodeToF32: bytes shorter than the values asked for are refused before any allocation', () => {
    expect(Array.from(decodeToF32(new Uint8Array(new Float32Array([1.5, -2]).buffer), 'F32', 2))).toEqual([1.5, -2]);
    let allocated = 0;
    const allocate = (n: number) => ((allocated += n), new Float32Array(n));
    expect(errorOf(() => decodeToF32(new Uint8Array(4), 'BF16', 2 ** 30, allocate))).toMatchObject({ code: 'SHAPE_MISMATCH', field: 'bytes' });
    expect(allocated).toBe(0);
    expect(errorOf(() => decodeToF32(new Uint8Array(4), 'F32', 100))).toMatchObject({ code: 'SHAPE_MISMATCH', field: 'bytes' });
    expect(errorOf(() => decodeToF32(new Uint8Array(8), 'F32', 1.5))).toMatchObject({ code: 'INVALID_ARGUMENT', field: 'count' });
    expect(errorOf(() => decodeToF32(new Uint8Array(8), loose('Q8'), 1))).toMatchObject({ code: 'INVALID_ARGUMENT', field: 'dtype' });
  });

  it('readSafetensors takes bytes; writeSafetensors refuses what would make a file no reader accepts', () => {
    for (const bytes of [null, new ArrayBuffer(16), 'abc']) expect(errorOf(() => readSafetensors(loose(bytes)))).toMatchObject({ code: 'INVALID_ARGUMENT', field: 'bytes' });
    const data = new Float32Array(4);
    expect(errorOf(() => writeSafetensors(loose(null)))).toMatchObject({ code: 'INVALID_ARGUMENT', field: 'tensors' });
    expect(errorOf(() => writeSafetensors({ features: { shape: [-2, -2], data } }))).toMatchObject({ code: 'INVALID_ARGUMENT', field: 'features.shape' });
    expect(errorOf(() => writeSafetensors({ features: { shape: [0.5, 8], data } }))).toMatchObject({ code: 'INVALID_ARGUMENT', field: 'features.shape' });
    expect(errorOf(() => writeSafetensors({ features: { shape: [4], data } }, loose({ a: 5 })))).toMatchObject({ code: 'INVALID_ARGUMENT', field: 'metadata.a' });
    expect(errorOf(() => writeSafetensors({ __metadata__: { shape: [4], data } }))).toMatchObject({ code: 'INVALID_ARGUMENT', field: '__metadata__' });
    // what is written is read back
    const file = readSafetensors(writeSafetensors({ features: { shape: [2, 2], data: Float32Array.from([1, 2, 3, 4]) } }, { note: 'x' }));
    expect(Array.from(file.get('features')?.data ?? [])).toEqual([1, 2, 3, 4]);
    expect(file.metadata).toEqual({ note: 'x' });
  });

  it('subsetLayout: indices outside [0, N) or not integers', () => {
    const grid = gridLayout(2, 2);
    expect(Array.from(subsetLayout(grid, [3, 0]).row)).toEqual([1, 0]);
    for (const bad of [[0, 9], [-1], [0.5]]) expect(errorOf(() => subsetLayout(grid, bad))).toMatchObject({ code: 'INVALID_INPUT', field: 'indices' });
  });

  it('a parameter that JSON parsed to ±Infinity is reported as Infinity, not as null', () => {
    const specs: ParamSpec[] = [{ name: 'radius', type: 'integer', default: 1, description: 'r' }];
    for (const v of [Infinity, -Infinity, NaN]) {
      const e = errorOf(() => resolveParams('m', specs, { radius: v }));
      expect(e).toMatchObject({ code: 'INVALID_INPUT', field: 'radius' });
      expect(e.message).toContain(String(v));
      expect(e.message).not.toContain('null');
    }
    expect(quoteValue(Infinity)).toBe('Infinity');
    expect(quoteValue('a')).toBe('"a"');
  });

  it('parseDecimal reads plain decimal text only; parameter values use it', () => {
    for (const [text, v] of [['12', 12], ['-0.5', -0.5], ['+3', 3], ['.25', 0.25], ['5.', 5], ['1e-3', 0.001], ['2E2', 200]] as const) expect(parseDecimal(text), text).toBe(v);
    for (const text of ['0x40', '0o7', '0b1', '', ' 5', '5 ', 'Infinity', '-Infinity', 'NaN', '1e400', '1,5', '--1', 'e5', '.']) expect(parseDecimal(text), text).toBeUndefined();
    const spec: ParamSpec = { name: 'alpha', type: 'number', description: 'a' };
    expect(parseParamValue(spec, '0.5')).toBe(0.5);
    expect(errorOf(() => parseParamValue(spec, '0x1'))).toMatchObject({ code: 'INVALID_ARGUMENT', field: 'alpha' });
    expect(errorOf(() => parseParamValue(spec, 'NaN')).message).toContain('alpha');
  });

  it('parameters given as null, an array or a string; a registry asked for null', () => {
    const specs: ParamSpec[] = [{ name: 'alpha', type: 'number', default: 1, description: 'a weight' }];
    expect(resolveParams('m', specs, undefined)).toEqual({ alpha: 1 });
    for (const raw of [null, [1], 'alpha=1']) expect(errorOf(() => resolveParams('m', specs, loose(raw)))).toMatchObject({ code: 'INVALID_ARGUMENT', field: 'params' });
    const r = new Registry<{ name: string }>('method');
    r.register({ name: 'a' });
    expect(errorOf(() => r.get(loose(null)))).toMatchObject({ code: 'UNKNOWN_NAME', field: 'method' });
  });
});
