import { describe, expect, it } from 'vitest';
import { dotInstance, F32_TILE, f32TileDotBound, releaseDotInstance } from '../src/index.js';

describe('dotsTileF32Seq / dotsRowF32Seq and their pair forms (float32 screen dots)', () => {
  it('stay within f32TileDotBound of the double dot, relative to the norm product (widths, tiles and single rows)', () => {
    const wasm = dotInstance();
    if (!wasm) throw new Error('WebAssembly SIMD is expected on Node 20');
    try {
      let seed = 11;
      const rand = () => ((seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32) * 2 - 1;
      for (const n of [16, 48, 1024, 4096]) {
        const rows = 2 * F32_TILE + 3;
        const bytes = (rows + 1) * n * 4 + rows * 4;
        if (wasm.mem.buffer.byteLength < bytes) wasm.mem.grow(Math.ceil((bytes - wasm.mem.buffer.byteLength) / 65536));
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
    } finally {
      releaseDotInstance(wasm);
    }
  });
});
