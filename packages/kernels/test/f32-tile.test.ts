import { describe, expect, it } from 'vitest';
import { F32_TILE, f32TileDotBound, seqDotsF32, seqPairDotsF32 } from '../src/index.js';
import { seededSigned, withDotInstance } from './dot-instance.js';

describe('dotsTileF32Seq / dotsRowF32Seq and their pair forms (float32 screen dots)', () => {
  it('stay within f32TileDotBound of the double dot, relative to the norm product (widths, tiles and single rows)', () => {
    const rand = seededSigned(11);
    const rows = 2 * F32_TILE + 3;
    // the widest case: rows + 1 rows of 4096 floats and 3 floats per row of results
    withDotInstance((rows + 1) * 4096 * 4 + 3 * rows * 4, (wasm) => {
      for (const n of [16, 48, 1024, 4096]) {
        const mem = new Float32Array(wasm.mem.buffer, 0, (rows + 1) * n);
        for (let k = 0; k < mem.length; k++) mem[k] = rand() * 2 ** Math.round(6 * rand());
        const outAt = (rows + 1) * n * 4;
        const out = new Float32Array(wasm.mem.buffer, outAt, 3 * rows).fill(Number.NaN);
        const tail = rows - 2 * F32_TILE;
        wasm.dotsTileF32Seq(0, n * 4, 2, n, outAt);
        wasm.dotsRowF32Seq(0, n * 4 + 2 * F32_TILE * n * 4, tail, n, outAt + 2 * F32_TILE * 4);
        // the pair: row 0 and row 1 (one of the rows it meets) against the same rows
        const pairAt = outAt + rows * 4;
        wasm.dotsPairTileF32Seq(0, n * 4, n * 4, 2, n, pairAt, 2);
        wasm.dotsPairRowF32Seq(0, n * 4, n * 4 + 2 * F32_TILE * n * 4, tail, n, pairAt + 2 * F32_TILE * 8, 2);
        const check = (value: number, a: number, b: number) => {
          let exact = 0;
          let na = 0;
          let nb = 0;
          for (let k = 0; k < n; k++) {
            exact += mem[a * n + k] * mem[b * n + k];
            na += mem[a * n + k] ** 2;
            nb += mem[b * n + k] ** 2;
          }
          const err = Math.abs(value - exact);
          expect(err).toBeLessThanOrEqual(f32TileDotBound(n) * Math.sqrt(na * nb));
          expect(err).toBeLessThan(1e-3 * Math.sqrt(na * nb));
        };
        for (let r = 0; r < rows; r++) {
          check(out[r], 0, r + 1);
          check(out[rows + 2 * r], 0, r + 1);
          check(out[rows + 2 * r + 1], 1, r + 1);
          if (r < 2 * F32_TILE) expect(out[rows + 2 * r]).toBe(out[r]);
        }
      }
    });
  });

  it('seqDotsF32 and seqPairDotsF32 run from their own source text (as a helper thread runs them): the same floats as the kernels called directly, every tail length', () => {
    const fromSource = <T>(fn: T): T => new Function(`return (${String(fn)});`)() as T;
    const [seq, pair] = [fromSource(seqDotsF32), fromSource(seqPairDotsF32)];
    const rand = seededSigned(5);
    const n = 48;
    const rows = 3 * F32_TILE + 3;
    withDotInstance((rows + 2) * n * 4 + 6 * rows * 4, (wasm) => {
      const mem = new Float32Array(wasm.mem.buffer, 0, (rows + 2) * n);
      for (let k = 0; k < mem.length; k++) mem[k] = rand();
      const outAt = (rows + 2) * n * 4;
      const out = new Float32Array(wasm.mem.buffer, outAt, 6 * rows);
      for (let count = 0; count <= rows; count++) {
        out.fill(Number.NaN);
        seq(wasm, 0, 2 * n * 4, count, n, outAt);
        pair(wasm, 0, n * 4, 2 * n * 4, count, n, outAt + rows * 4, 2);
        const groups = Math.floor(count / F32_TILE);
        const ref = outAt + 3 * rows * 4;
        if (groups > 0) wasm.dotsTileF32Seq(0, 2 * n * 4, groups, n, ref);
        for (let r = groups * F32_TILE; r < count; r++) wasm.dotsRowF32Seq(0, 2 * n * 4 + r * n * 4, 1, n, ref + r * 4);
        if (groups > 0) wasm.dotsPairTileF32Seq(0, n * 4, 2 * n * 4, groups, n, ref + rows * 4, 2);
        for (let r = groups * F32_TILE; r < count; r++) wasm.dotsPairRowF32Seq(0, n * 4, 2 * n * 4 + r * n * 4, 1, n, ref + rows * 4 + r * 8, 2);
        expect(Array.from(out.subarray(0, count))).toEqual(Array.from(out.subarray(3 * rows, 3 * rows + count)));
        expect(Array.from(out.subarray(rows, rows + 2 * count))).toEqual(Array.from(out.subarray(4 * rows, 4 * rows + 2 * count)));
        if (count < rows) expect(out[count]).toBeNaN();
      }
    });
  });
});
