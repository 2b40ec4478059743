import { describe, expect, it } from 'vitest';
import { assertFinite } from '@d2pruner/core';
import { allFiniteSimd, assertFiniteF32, blockRows, inPlaceKernels, screenArgmax, wasmBackedBytes, cosineFromDot, paddedCols, pairDot, releaseStore, screenCosines, sumRowsByGroup, vectorDots } from '../src/index.js';

/* The block-scan kernels: SIMD finite check, grouped row sums, float32-screened cosines. */

function values(n: number, seed: number): Float32Array {
  return Float32Array.from({ length: n }, (_, i) => Math.sin(i * 1.37 + seed) * (1 + ((i * 7 + seed) % 11)));
}

function errorOf(run: () => void): unknown {
  try {
    run();
  } catch (e) {
    return e;
  }
  return undefined;
}

describe('allFiniteSimd / assertFiniteF32', () => {
  it('agrees with Number.isFinite for NaN and ±Inf at every kind of position, and accepts extreme finite values', () => {
    for (const n of [1, 7, 8, 9, 31, 32 * 1024 - 1, 32 * 1024 + 5, 100_003]) {
      const x = values(n, n);
      expect(allFiniteSimd(x)).toBe(true);
      for (const at of [0, n >> 1, n - 1]) {
        for (const bad of [Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY]) {
          const y = x.slice();
          y[at] = bad;
          expect(allFiniteSimd(y)).toBe(false);
        }
      }
    }
    const extremes = Float32Array.from([3.4028234663852886e38, -3.4028234663852886e38, 1.4e-45, -1.4e-45, -0, 0, 1.1754943508222875e-38]);
    expect(allFiniteSimd(extremes)).toBe(true);
    expect(allFiniteSimd(new Float32Array(0))).toBe(true);
  });

  it('checks arrays that lie in a WebAssembly memory (a file the pipeline read) in place, tails included', () => {
    const bytes = wasmBackedBytes(4 * 40_011 + 4);
    if (!bytes) throw new Error('no WebAssembly memory');
    const x = new Float32Array(bytes.buffer, bytes.byteOffset + 4, 40_011);
    x.set(values(40_011, 8));
    expect(inPlaceKernels(x)).toBeDefined();
    expect(allFiniteSimd(x)).toBe(true);
    for (const at of [0, 7, 8, 20_000, 40_003, 40_010]) {
      const keep = x[at];
      x[at] = Number.NaN;
      expect(allFiniteSimd(x)).toBe(false);
      expect(allFiniteSimd(x.subarray(at + 1))).toBe(true);
      x[at] = keep;
    }
    expect(inPlaceKernels(values(10, 1))).toBeUndefined();
  });

  it('a subarray is checked, not its whole buffer', () => {
    const x = values(40_000, 3);
    x[0] = Number.NaN;
    expect(allFiniteSimd(x.subarray(1))).toBe(true);
  });

  it('throws the same typed error as core assertFinite, naming the field and the first bad index', () => {
    const x = values(50_000, 1);
    x[41_234] = Number.NaN;
    x[45_000] = Number.POSITIVE_INFINITY;
    const ours = errorOf(() => assertFiniteF32('features', x));
    const core = errorOf(() => assertFinite('features', x));
    expect(ours).toMatchObject({ code: 'INVALID_INPUT', field: 'features', message: 'features[41234] is NaN; every value must be finite' });
    expect(ours).toEqual(core);
    expect(() => assertFiniteF32('features', values(50_000, 2))).not.toThrow();
  });
});

describe('sumRowsByGroup', () => {
  it('equals the scalar double loop bit for bit (widths, more rows than one block, empty groups)', () => {
    for (const cols of [1, 5, 16, 33, 64, 1024]) {
      const rows = blockRows(paddedCols(cols)) * 2 + 3;
      const x = values(rows * cols, cols);
      const groups = 6;
      const assign = Int32Array.from({ length: rows }, (_, i) => (i % 7 === 0 ? -1 : (i * 5) % (groups - 1)));
      const ref = new Float64Array(groups * cols);
      for (let i = 0; i < rows; i++) if (assign[i] >= 0) for (let c = 0; c < cols; c++) ref[assign[i] * cols + c] += x[i * cols + c];
      const sums = sumRowsByGroup(x, rows, cols, assign, groups);
      expect(sums).toEqual(ref);
      expect(Array.from((sums as Float64Array).subarray((groups - 1) * cols))).toEqual(new Array(cols).fill(0));
    }
  });

  it('returns null when any row, grouped or not, holds a NaN or ±Inf', () => {
    const cols = 40;
    const rows = 300;
    const assign = Int32Array.from({ length: rows }, (_, i) => (i % 2 === 0 ? -1 : 0));
    for (const at of [0, 1, 150 * cols + 3, rows * cols - 1]) {
      const x = values(rows * cols, 9);
      x[at] = at % 2 ? Number.NEGATIVE_INFINITY : Number.NaN;
      expect(sumRowsByGroup(x, rows, cols, assign, 1)).toBeNull();
    }
  });

  /** `rows × cols` values placed 4 bytes into a WebAssembly-backed region (read in place). */
  function inWasmMemory(rows: number, cols: number, seed: number): Float32Array {
    const bytes = wasmBackedBytes(rows * cols * 4 + 4);
    if (!bytes) throw new Error('no WebAssembly memory');
    const x = new Float32Array(bytes.buffer, bytes.byteOffset + 4, rows * cols);
    x.set(values(rows * cols, seed));
    expect(inPlaceKernels(x)).toBeDefined();
    return x;
  }

  function scalarSums(x: Float32Array, rows: number, cols: number, assign: Int32Array, groups: number): Float64Array {
    const ref = new Float64Array(groups * cols);
    for (let i = 0; i < rows; i++) if (assign[i] >= 0) for (let c = 0; c < cols; c++) ref[assign[i] * cols + c] += x[i * cols + c];
    return ref;
  }

  it('in place (a file read into WebAssembly memory): the scalar double loop bit for bit, groups of 0 to 40 rows', () => {
    for (const cols of [16, 64, 1024]) {
      const rows = 333;
      const x = inWasmMemory(rows, cols, cols);
      // group sizes around the kernel's 16-row chunks: 0, 1, 15, 16, 17, 33, 40 … and ungrouped rows
      const sizes = [0, 1, 15, 16, 17, 33, 40, 2, 0, 31];
      const assign = new Int32Array(rows).fill(-1);
      let at = 0;
      sizes.forEach((size, g) => {
        for (let k = 0; k < size; k++) assign[(at++ * 41) % rows] = g;
      });
      // huge values: the double sums do not overflow as float32 sums would
      for (let c = 0; c < cols; c++) x[(rows - 1) * cols + c] = 3.4e38;
      assign[rows - 1] = 3;
      const sums = sumRowsByGroup(x, rows, cols, assign, sizes.length);
      expect(sums).toEqual(scalarSums(x, rows, cols, assign, sizes.length));
      expect(sums).toEqual(sumRowsByGroup(x.slice(), rows, cols, assign, sizes.length));
    }
  });

  it('writes into a reused array when given one with room (in place and copied), whatever it held; a short one is not used', () => {
    for (const inPlace of [true, false]) {
      const [rows, cols, groups] = [200, 64, 5];
      const x = inPlace ? inWasmMemory(rows, cols, 3) : values(rows * cols, 3);
      const out = new Float64Array(groups * cols + 7).fill(Number.NaN);
      for (const seed of [1, 2]) {
        const assign = Int32Array.from({ length: rows }, (_, i) => ((i * seed) % 9 < 2 ? -1 : (i * seed) % groups));
        const sums = sumRowsByGroup(x, rows, cols, assign, groups, out) as Float64Array;
        expect(sums.buffer).toBe(out.buffer);
        expect(sums.length).toBe(groups * cols);
        expect(sums).toEqual(scalarSums(x, rows, cols, assign, groups));
      }
      const short = new Float64Array(groups * cols - 1);
      const sums = sumRowsByGroup(x, rows, cols, new Int32Array(rows), groups, short) as Float64Array;
      expect(sums.buffer).not.toBe(short.buffer);
      expect(sums).toEqual(scalarSums(x, rows, cols, new Int32Array(rows), groups));
    }
  });

  it('in place: null for a NaN or ±Inf in a grouped row, an ungrouped row or the last value', () => {
    const rows = 100;
    const cols = 64;
    const assign = Int32Array.from({ length: rows }, (_, i) => (i % 3 === 0 ? -1 : i % 4));
    for (const at of [0, 1 * cols + 5, 2 * cols + 63, 50 * cols, 51 * cols + 17, rows * cols - 1]) {
      for (const bad of [Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY]) {
        const x = inWasmMemory(rows, cols, 3);
        x[at] = bad;
        expect(sumRowsByGroup(x, rows, cols, assign, 4)).toBeNull();
      }
    }
    // +Inf and −Inf in one group's column: the sum is NaN, still caught
    const x = inWasmMemory(rows, cols, 3);
    x[1 * cols] = Number.POSITIVE_INFINITY;
    x[5 * cols] = Number.NEGATIVE_INFINITY;
    expect(sumRowsByGroup(x, rows, cols, assign, 4)).toBeNull();
  });
});

describe('screenCosines', () => {
  it('exact cosines are bit-identical to pairDot / vectorDots cosines; screened ones lie within eps', () => {
    for (const cols of [3, 20, 32, 64, 100, 1024]) {
      const rows = 71;
      const x = values(rows * cols, cols + 1);
      // rows sharing a large common component: cosines near 1, the hard case for float32 sums
      for (let i = 0; i < 10; i++) for (let c = 0; c < cols; c++) x[i * cols + c] = 50 + x[i * cols + c] * 1e-3;
      const outside = Float32Array.from({ length: cols }, (_, c) => Math.cos(c));
      const vectors = [x.slice(0, cols), x.slice(5 * cols, 6 * cols), outside, x.slice(60 * cols, 61 * cols), x.slice(cols, 2 * cols)];
      const screen = screenCosines(x, rows, cols, vectors);
      if (!screen) throw new Error('no screen');
      const dots = new Float64Array(rows);
      for (let v = 0; v < vectors.length; v++) {
        vectorDots(x, cols, vectors[v], 0, rows, dots);
        const vn = Math.sqrt(pairDotOf(vectors[v]));
        for (let j = 0; j < rows; j++) {
          const ref = cosineFromDot(dots[j], vn, Math.sqrt(pairDot(x, cols, j, j)));
          expect(screen.exact(v, j)).toBe(ref);
          expect(Math.abs(screen.approx[j * vectors.length + v] - ref)).toBeLessThanOrEqual(screen.eps);
        }
      }
      screen.release();
      releaseStore(x);
    }
  });

  it('rows or vectors whose squared norm leaves the float32-safe range are not screened (NaN), zero rows included', () => {
    const cols = 48;
    const rows = 6;
    const x = values(rows * cols, 4);
    x.fill(0, 0, cols);
    x.fill(1e-20, cols, 2 * cols);
    x.fill(1e19, 2 * cols, 3 * cols);
    const screen = screenCosines(x, rows, cols, [x.slice(3 * cols, 4 * cols), new Float32Array(cols)]);
    if (!screen) throw new Error('no screen');
    expect([0, 1, 2, 3, 4, 5].map((j) => Number.isNaN(screen.approx[2 * j]))).toEqual([true, true, true, false, false, false]);
    expect([0, 1, 2, 3, 4, 5].every((j) => Number.isNaN(screen.approx[2 * j + 1]))).toBe(true);
    expect(screen.exact(0, 0)).toBe(0);
    expect(screen.exact(1, 4)).toBe(0);
    expect(screen.exact(0, 3)).toBeCloseTo(1, 12);
    screen.release();
  });

  it('reads a matrix in place when it lies in a file\'s WebAssembly memory: the same values as the copying path', () => {
    for (const [rows, cols] of [
      [96, 1024],
      [3328, 64],
      [40, 48],
      [31, 64],
    ]) {
      const bytes = wasmBackedBytes(rows * cols * 4 + 64);
      if (!bytes) throw new Error('no WebAssembly memory');
      const x = new Float32Array(bytes.buffer, bytes.byteOffset + 64, rows * cols);
      x.set(values(rows * cols, rows));
      const vectors = [3, 1, 0, 7, 9].map((i) => x.slice(i * cols, (i + 1) * cols));
      const inPlace = screenCosines(x, rows, cols, vectors);
      const copied = screenCosines(x.slice(), rows, cols, vectors);
      if (!inPlace || !copied) throw new Error('no screen');
      expect(inPlace.approx).toEqual(copied.approx);
      expect([inPlace.exact(2, 5), inPlace.exact(4, rows - 1)]).toEqual([copied.exact(2, 5), copied.exact(4, rows - 1)]);
      inPlace.release();
      copied.release();
      x[(rows - 1) * cols + 5] = Number.POSITIVE_INFINITY;
      expect(screenCosines(x, rows, cols, vectors)).toBeUndefined();
    }
  });

  it('returns undefined when the matrix is not finite', () => {
    const x = values(64 * 50, 5);
    x[64 * 49 + 63] = Number.NaN;
    expect(screenCosines(x, 50, 64, [x.slice(0, 64)])).toBeUndefined();
  });
});

function pairDotOf(v: Float32Array): number {
  return pairDot(v, v.length, 0, 0);
}

describe('screenArgmax', () => {
  it('every pick it makes is the exact argmax (ties → lowest), in place or copied; unscreenable rows and near ties are left to exact', () => {
    for (const [rows, cols, nv] of [
      [200, 64, 13],
      [97, 1024, 6],
      [64, 20, 1],
    ]) {
      const bytes = wasmBackedBytes(rows * cols * 4);
      if (!bytes) throw new Error('no WebAssembly memory');
      const x = new Float32Array(bytes.buffer, bytes.byteOffset, rows * cols);
      x.set(values(rows * cols, cols));
      // near-duplicates of row 1 (ties far below float32), a zero row, and a row equal to vector 2
      for (let i = rows - 12; i < rows; i++) for (let c = 0; c < cols; c++) x[i * cols + c] = x[cols + c] * (1 + 2e-6 * Math.sin(i * 3 + c));
      x.fill(0, 5 * cols, 6 * cols);
      const vectors = Array.from({ length: nv }, (_, j) => x.slice(((j * 11 + 1) % rows) * cols, ((j * 11 + 1) % rows + 1) * cols));
      if (nv > 2) vectors[2] = x.slice((rows - 3) * cols, (rows - 2) * cols);
      for (const input of [x, x.slice()]) {
        const screen = screenArgmax(input, rows, cols, vectors);
        if (!screen) throw new Error('no screen');
        let decided = 0;
        for (let i = 0; i < rows; i++) {
          let want = 0;
          let top = -Infinity;
          for (let j = 0; j < nv; j++) {
            const v = screen.exact(j, i);
            if (v > top) {
              top = v;
              want = j;
            }
          }
          if (screen.pick[i] >= 0) {
            decided++;
            expect([i, screen.pick[i]]).toEqual([i, want]);
          }
        }
        expect(screen.pick[5]).toBe(-1);
        expect(decided).toBeGreaterThan(rows / 3);
        screen.release();
      }
      x[7] = Number.NaN;
      expect(screenArgmax(x, rows, cols, vectors)).toBeUndefined();
    }
  });

  it('decides almost every row of well-separated data, for every vector count around the groups of 4', () => {
    const rows = 300;
    const cols = 64;
    const x = values(rows * cols, 5);
    for (const nv of [2, 3, 4, 5, 7, 8, 9, 52]) {
      const vectors = Array.from({ length: nv }, (_, j) => values(cols, 100 + j));
      const screen = screenArgmax(x, rows, cols, vectors);
      if (!screen) throw new Error('no screen');
      let decided = 0;
      for (let i = 0; i < rows; i++) {
        let want = 0;
        for (let j = 1; j < nv; j++) if (screen.exact(j, i) > screen.exact(want, i)) want = j;
        if (screen.pick[i] >= 0) {
          decided++;
          expect([nv, i, screen.pick[i]]).toEqual([nv, i, want]);
        }
      }
      expect(decided).toBeGreaterThan(0.95 * rows);
      screen.release();
    }
  });
});
