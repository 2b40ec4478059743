import { describe, expect, it } from 'vitest';
import { resultJson, uniformRng, writeFloat32Array } from '@d2pruner/core';
import { writeFloat32ArrayWasm } from '../src/index.js';

/* The WebAssembly writer of merged-row numbers against core's JavaScript writer, byte for byte. */

function both(values: ArrayLike<number>): [string, string] {
  const a = new Uint8Array(values.length * 25 + 8);
  const b = new Uint8Array(values.length * 25 + 8);
  const ea = writeFloat32Array(values, a, 3);
  const eb = writeFloat32ArrayWasm(values, b, 3);
  return [ea < 0 ? `${ea}` : Buffer.from(a.subarray(3, ea)).toString('latin1'), eb < 0 ? `${eb}` : Buffer.from(b.subarray(3, eb)).toString('latin1')];
}

describe('writeFloat32ArrayWasm', () => {
  it('writes the same bytes as writeFloat32Array: random bit patterns of every exponent, subnormals, powers of ten, integers', () => {
    const rand = uniformRng(11);
    const f = new Float32Array(1);
    const u = new Uint32Array(f.buffer);
    const values: number[] = [0, -0, 1, -1, 4, 100, 16777216, 123456789, 1e9, 1e20, 1e21, 123.25, 0.5, 2 ** -149, 2 ** -126, 3.4028234663852886e38, -3e38, 1e-6, 2e-6, 1e-7];
    for (let i = 0; i < 300_000; i++) {
      u[0] = Math.floor(rand() * 2 ** 32) >>> 0;
      if (Number.isFinite(f[0])) values.push(f[0]);
    }
    for (let e = -45; e <= 38; e++) values.push(...[10 ** e, 9.999999 * 10 ** e, 1.0000001 * 10 ** e, 2 * 10 ** e, -5 * 10 ** e].filter(Number.isFinite));
    const floats = values.map(Math.fround).filter(Number.isFinite);
    const [js, wasm] = both(floats);
    expect(wasm.length).toBe(js.length);
    expect(wasm === js).toBe(true);
    const [jsTyped, wasmTyped] = both(Float32Array.from(floats.slice(0, 5000)));
    expect(wasmTyped).toBe(jsTyped);
  });

  it('matches writeFloat32Array where a value is not a finite float32 (NaN, ±Infinity, a double) and returns −1 for a non-number', () => {
    for (const values of [[1, Number.NaN], [Number.POSITIVE_INFINITY], [-Infinity, 2], [0.1, 2], [1 / 3], [], [Math.fround(0.1)]]) {
      const [js, wasm] = both(values);
      expect(wasm).toBe(js);
    }
    for (const values of [[1, 'x'], [null], [true, 1], [{}], [undefined]] as unknown as number[][]) {
      expect(both(values)).toEqual(['-1', '-1']);
    }
  });

  it('writes where it is told: the bytes before `at` and past the returned end are left as they were', () => {
    const out = new Uint8Array(64).fill(120);
    const end = writeFloat32ArrayWasm([1.5, -2.25], out, 10);
    expect(Buffer.from(out.subarray(10, end)).toString()).toBe('1.5,-2.25');
    expect(out.subarray(0, 10).every((b) => b === 120)).toBe(true);
    expect(out.subarray(end).every((b) => b === 120)).toBe(true);
  });

  it("gives resultJson the same line as core's writer, rows of 100,000 values included", () => {
    const rand = uniformRng(4);
    const row = (n: number) => Array.from({ length: n }, () => Math.fround((rand() - 0.5) * 10 ** Math.floor(rand() * 12 - 6)));
    const body = { id: 'é', method: 'visionzip', keep: [0, 4], merged: [{ index: 4, members: [1, 4], row: row(100_000) }, { index: 9, members: [9], row: row(3) }], line: 1 };
    expect(resultJson(body, { writeFloat32Array: writeFloat32ArrayWasm })).toBe(resultJson(body));
  });
});
