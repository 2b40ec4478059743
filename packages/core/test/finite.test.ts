import { describe, expect, it } from 'vitest';
import { allFinite, assertFinite } from '../src/index.js';

describe('allFinite (bit-pattern check of float32)', () => {
  const edge = [0, -0, 1e-45, -1e-45, 1.1754942e-38, 3.4028235e38, -3.4028235e38, 1, -1];

  it('accepts every finite extreme, in every lane and in the tail', () => {
    for (let len = 1; len <= 11; len++) {
      const v = Float32Array.from({ length: len }, (_, i) => edge[i % edge.length]);
      expect(allFinite(v)).toBe(true);
    }
  });

  it('finds NaN, +Inf and -Inf at any position', () => {
    for (const bad of [NaN, Infinity, -Infinity]) {
      for (let len = 1; len <= 11; len++) {
        for (let at = 0; at < len; at++) {
          const v = new Float32Array(len).fill(3.4028235e38);
          v[at] = bad;
          expect(allFinite(v)).toBe(false);
          expect(() => assertFinite('features', v)).toThrow(`features[${at}]`);
        }
      }
    }
  });

  it('finds a NaN with a payload and checks subarray views only', () => {
    const buf = new Float32Array(9);
    new Uint32Array(buf.buffer)[8] = 0x7fc01234;
    expect(allFinite(buf)).toBe(false);
    expect(allFinite(buf.subarray(0, 8))).toBe(true);
  });

  it('checks float64 arrays', () => {
    expect(allFinite(Float64Array.from([1e308, -0, 5e-324]))).toBe(true);
    expect(allFinite(Float64Array.from([1, NaN, 2]))).toBe(false);
  });
});
