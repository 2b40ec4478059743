import { describe, expect, it } from 'vitest';
import { seededSigned, withDotInstance } from './dot-instance.js';

/** The formula of `combineRowsF64`, written out in the same order. */
function combineReference(x: Float64Array, a: number, rows: Float64Array[], coef: Float64Array, inv: number): Float64Array {
  return x.map((xk, k) => {
    let v = a * xk;
    for (let q = 0; q < rows.length; q++) v -= coef[q] * rows[q][k];
    return v * inv;
  });
}

describe('combineRowsF64 (one Gram–Schmidt step in WebAssembly)', () => {
  it('equals the written-out formula bit for bit, for 0 … 9 rows (blocks of four and the rest)', () => {
    const rand = seededSigned(7);
    // the largest case: 9 rows of 30 doubles, x, out and 9 coefficients
    withDotInstance(12 * 30 * 8 + 9 * 8, (wasm) => {
      for (const n of [2, 8, 30]) {
        for (let count = 0; count <= 9; count++) {
          const x = Float64Array.from({ length: n }, rand);
          const rows = Array.from({ length: count }, () => Float64Array.from({ length: n }, rand));
          const coef = Float64Array.from({ length: count }, rand);
          const [a, inv] = [rand() * 3, 1 / (0.5 + Math.abs(rand()))];
          const mem = wasm.mem.buffer;
          const first = 0;
          rows.forEach((r, q) => new Float64Array(mem, first + q * n * 8, n).set(r));
          const xAt = count * n * 8;
          new Float64Array(mem, xAt, n).set(x);
          const coefAt = xAt + n * 8;
          new Float64Array(mem, coefAt, count).set(coef);
          const outAt = coefAt + count * 8;
          new Float64Array(mem, outAt, n).fill(Number.NaN);
          wasm.combineRowsF64(xAt, a, first, coefAt, count, n, inv, outAt);
          expect(Array.from(new Float64Array(mem, outAt, n))).toEqual(Array.from(combineReference(x, a, rows, coef, inv)));
        }
      }
    });
  });
});
