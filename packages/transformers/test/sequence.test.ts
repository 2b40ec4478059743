import { describe, expect, it } from 'vitest';
import { gatherPositions, keptPositions } from '../src/index.js';
import { caught } from './helpers.js';

describe('keptPositions', () => {
  it('keeps every text position and the kept visual ones, in order', () => {
    // positions 2..6 are the image; keep visual 1 and 3 → positions 3 and 5
    expect(Array.from(keptPositions(10, [{ start: 2, length: 5, kept: [3, 1] }]))).toEqual([0, 1, 3, 5, 7, 8, 9]);
    expect(Array.from(keptPositions(8, [{ start: 1, length: 2, kept: [] }, { start: 4, length: 3, kept: [0, 1, 2] }]))).toEqual([0, 3, 4, 5, 6, 7]);
    expect(Array.from(keptPositions(3, []))).toEqual([0, 1, 2]);
  });
  it('rejects runs outside the sequence and kept indices outside the run', async () => {
    expect(await caught(() => keptPositions(4, [{ start: 2, length: 3, kept: [] }]))).toMatchObject({ code: 'SHAPE_MISMATCH', field: 'spans' });
    expect(await caught(() => keptPositions(9, [{ start: 2, length: 3, kept: [3] }]))).toMatchObject({ code: 'INVALID_INPUT', field: 'kept' });
  });
});

describe('gatherPositions', () => {
  it('gathers rows of [B, S, width] per batch row', () => {
    // B = 2, S = 3, width = 2: value = 100·b + 10·s + k
    const data = Float32Array.from([0, 1, 10, 11, 20, 21, 100, 101, 110, 111, 120, 121]);
    const out = gatherPositions(data, 2, 3, 2, [Int32Array.of(0, 2), Int32Array.of(1, 2)]);
    expect(out).toBeInstanceOf(Float32Array);
    expect(Array.from(out)).toEqual([0, 1, 20, 21, 110, 111, 120, 121]);
  });
  it('copies int64 masks and float16 bits unchanged', () => {
    const mask = BigInt64Array.from([1n, 0n, 1n, 1n]);
    expect(Array.from(gatherPositions(mask, 1, 4, 1, [Int32Array.of(1, 3)]))).toEqual([0n, 1n]);
    const half = Uint16Array.from([0x3c00, 0x4000, 0xc000]);
    const g = gatherPositions(half, 1, 3, 1, [Int32Array.of(2, 0)]);
    expect(g).toBeInstanceOf(Uint16Array);
    expect(Array.from(g)).toEqual([0xc000, 0x3c00]);
  });
  it('rows must keep the same count; sizes must agree', async () => {
    expect(await caught(() => gatherPositions(new Float32Array(6), 2, 3, 1, [Int32Array.of(0), Int32Array.of(0, 1)]))).toMatchObject({ code: 'SHAPE_MISMATCH', field: 'keep' });
    expect(await caught(() => gatherPositions(new Float32Array(5), 2, 3, 1, [Int32Array.of(0), Int32Array.of(1)]))).toMatchObject({ field: 'data' });
  });
});
