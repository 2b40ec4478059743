import { describe, expect, it } from 'vitest';
import { dotInstance, F32_TILE, f32TileDotBound, releaseDotInstance } from '../src/index.js';

describe('dotsTileF32Seq / dotsRowF32Seq (float32 screen dots)', () => {
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
        const out = new Float32Array(wasm.mem.buffer, outAt, rows).fill(Number.NaN);
        wasm.dotsTileF32Seq(0, n * 4, 2, n, outAt);
        wasm.dotsRowF32Seq(0, n * 4 + 2 * F32_TILE * n * 4, rows - 2 * F32_TILE, n, outAt + 2 * F32_TILE * 4);
        for (let r = 0; r < rows; r++) {
          let exact = 0;
          let na = 0;
          let nb = 0;
          for (let k = 0; k < n; k++) {
            exact += mem[k] * mem[(r + 1) * n + k];
            na += mem[k] ** 2;
            nb += mem[(r + 1) * n + k] ** 2;
          }
          const err = Math.abs(out[r] - exact);
          expect(err).toBeLessThanOrEqual(f32TileDotBound(n) * Math.sqrt(na * nb));
          expect(err).toBeLessThan(1e-3 * Math.sqrt(na * nb));
        }
      }
    } finally {
      releaseDotInstance(wasm);
    }
  });
});
