import { describe, expect, it } from 'vitest';
import type { Matrix } from '@d2pruner/core';
import { cosineFromDot, pairDot, releaseStore, screenCosines } from '@d2pruner/kernels';
import { screenedBottomK } from '../src/baselines/screened-bottomk.js';
import { assignToTargets } from '../src/baselines/visionzip-merge.js';

/*
 * The float32-screened selections of DART (bottom-k) and VisionZip (argmax) against a brute-force
 * scan of every exact double cosine, on matrices built to defeat a screen: exact ties, values one
 * float32 ulp apart, zero rows, norms outside the float32-safe range.
 */

function hardMatrix(rows: number, cols: number, seed: number): Float32Array {
  // rows 30 … rows−1 form the cluster
  const x = Float32Array.from({ length: rows * cols }, (_, i) => Math.sin(i * 0.77 + seed) + 0.5 * Math.cos(i * 0.013));
  const copy = (to: number, from: number) => x.copyWithin(to * cols, from * cols, (from + 1) * cols);
  copy(3, 7);
  copy(11, 7);
  x.fill(0, 5 * cols, 6 * cols);
  x.fill(1e-20, 9 * cols, 10 * cols);
  x.fill(2e18, 13 * cols, 14 * cols);
  copy(17, 2);
  x[17 * cols] = Math.fround(x[17 * cols] * (1 + 2 ** -23));
  for (let i = 20; i < 26; i++) for (let c = 0; c < cols; c++) x[i * cols + c] = 10 + x[i * cols + c] * 1e-6;
  // a cluster of near-duplicates (cosines with anything equal to ~1e-12, far below float32) and its opposite
  for (let i = 30; i < rows; i++) for (let c = 0; c < cols; c++) x[i * cols + c] = x[2 * cols + c] * (1 + 3e-6 * Math.sin(i * 7.1 + c));
  for (let c = 0; c < cols; c++) x[28 * cols + c] = -x[2 * cols + c];
  return x;
}

function exactCos(x: Float32Array, cols: number, i: number, j: number): number {
  return cosineFromDot(pairDot(x, cols, i, j), Math.sqrt(pairDot(x, cols, i, i)), Math.sqrt(pairDot(x, cols, j, j)));
}

describe('screened selections equal the brute-force exact ones', () => {
  for (const cols of [8, 40, 64, 1024]) {
    const rows = 61;
    const x = hardMatrix(rows, cols, cols);

    it(`bottom-k (DART), D = ${cols}`, () => {
      for (const pivot of [7, 2, 5, 9, 13, 21, 28, 44]) {
        const screen = screenCosines(x, rows, cols, [x.slice(pivot * cols, (pivot + 1) * cols)]);
        if (!screen) throw new Error('no screen');
        const inPool = new Uint8Array(rows).fill(1);
        inPool[pivot] = 0;
        inPool[29] = 0;
        for (const quota of [1, 3, 10, 20, 57]) {
          const pool = [...Array(rows).keys()].filter((j) => inPool[j]);
          const brute = pool.sort((a, b) => exactCos(x, cols, pivot, a) - exactCos(x, cols, pivot, b) || a - b).slice(0, quota);
          expect(screenedBottomK(screen, 0, inPool, quota)).toEqual(brute);
        }
        screen.release();
      }
      releaseStore(x);
    });

    it(`argmax over targets (VisionZip), D = ${cols}`, () => {
      const keys: Matrix = { rows, cols, data: x };
      // with unscreenable targets (zero, tiny, huge norms) every row is exact; without, the screen decides
      for (const targets of [
        [0, 3, 5, 7, 9, 11, 13, 17, 20, 21, 28, 30, 31, 33, 40, 41],
        [2, 3, 7, 17, 20, 21, 28, 30, 31, 33, 40, 41],
      ]) {
        const rest = [...Array(rows).keys()];
        const best = assignToTargets(keys, rest, targets);
        for (const i of rest) {
          let want = 0;
          let top = -Infinity;
          targets.forEach((g, j) => {
            const v = exactCos(x, cols, g, i);
            if (v > top) {
              top = v;
              want = j;
            }
          });
          expect([i, best[i]]).toEqual([i, want]);
        }
      }
      releaseStore(x);
    });
  }
});
