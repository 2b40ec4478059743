import { describe, expect, it } from 'vitest';
import { checkImportanceVector, minMaxScale, textImageRelevance } from '../src/index.js';
import { caught } from './helpers.js';

const m = (rows: number[][]) => ({ rows: rows.length, cols: rows[0]?.length ?? 2, data: Float32Array.from(rows.flat()) });

describe('textImageRelevance', () => {
  it('mean cosine to the text tokens, min–max scaled', () => {
    // one text token along x: cosines 1, 0, 1/√2 → scaled (x − 0) / (1 − 0)
    const r = textImageRelevance(m([[1, 0], [0, 1], [1, 1]]), m([[2, 0]]));
    expect(Array.from(r)).toEqual([1, 0, Math.fround(Math.SQRT1_2)]);
    // two text tokens along x and y: means 0.5, 0.5, 1/√2 → 0, 0, 1
    expect(Array.from(textImageRelevance(m([[1, 0], [0, 3], [1, 1]]), m([[1, 0], [0, 1]])))).toEqual([0, 0, 1]);
    // opposite direction is the least relevant
    expect(Array.from(textImageRelevance(m([[-1, 0], [1, 0], [0, 1]]), m([[1, 0]])))).toEqual([0, 1, 0.5]);
  });
  it('zero rows count as 0; constant scores and no text give ones', () => {
    expect(Array.from(textImageRelevance(m([[0, 0], [1, 0], [-1, 0]]), m([[1, 0]])))).toEqual([0.5, 1, 0]);
    expect(Array.from(textImageRelevance(m([[1, 0], [2, 0]]), m([[0, 1]])))).toEqual([1, 1]);
    expect(Array.from(textImageRelevance(m([[1, 0], [0, 1]]), { rows: 0, cols: 2, data: new Float32Array(0) }))).toEqual([1, 1]);
    expect(Array.from(minMaxScale([3, 1, 2]))).toEqual([1, 0, 0.5]);
  });
  it('equals the min–max scaled mean of pairwise cosines on random data', () => {
    const rnd = (k: number) => Math.sin(k * 12.9898) * 43758.5453 - Math.floor(Math.sin(k * 12.9898) * 43758.5453) - 0.5;
    const n = 40;
    const mt = 7;
    const d = 16;
    const img = { rows: n, cols: d, data: Float32Array.from({ length: n * d }, (_, i) => rnd(i + 1)) };
    const txt = { rows: mt, cols: d, data: Float32Array.from({ length: mt * d }, (_, i) => rnd(i + 5000)) };
    const cos = (a: Float32Array, b: Float32Array) => {
      let ab = 0, aa = 0, bb = 0;
      for (let k = 0; k < d; k++) [ab, aa, bb] = [ab + a[k] * b[k], aa + a[k] * a[k], bb + b[k] * b[k]];
      return ab / Math.sqrt(aa * bb);
    };
    const raw = Array.from({ length: n }, (_, i) => {
      let s = 0;
      for (let t = 0; t < mt; t++) s += cos(img.data.subarray(i * d, (i + 1) * d), txt.data.subarray(t * d, (t + 1) * d));
      return s / mt;
    });
    const lo = Math.min(...raw);
    const hi = Math.max(...raw);
    const got = textImageRelevance(img, txt);
    raw.forEach((r, i) => expect(got[i]).toBeCloseTo((r - lo) / (hi - lo), 5));
  });
  it('width mismatch is a shape error naming textEmbeds', async () => {
    expect(await caught(() => textImageRelevance(m([[1, 0]]), m([[1, 0, 0]])))).toMatchObject({ code: 'SHAPE_MISMATCH', field: 'textEmbeds' });
  });
});

describe('checkImportanceVector', () => {
  it('accepts n finite non-negative values', () => {
    expect(Array.from(checkImportanceVector([0, 2, 1], 3))).toEqual([0, 2, 1]);
  });
  it('rejects wrong length, negatives and NaN, naming the field', async () => {
    expect(await caught(() => checkImportanceVector([1, 2], 3))).toMatchObject({ code: 'SHAPE_MISMATCH', field: 'importance' });
    expect(await caught(() => checkImportanceVector([1, -2, 0], 3))).toMatchObject({ code: 'INVALID_INPUT', field: 'importance' });
    expect(await caught(() => checkImportanceVector([1, NaN, 0], 3, 'clsAttention'))).toMatchObject({ code: 'INVALID_INPUT', field: 'clsAttention' });
  });
});
