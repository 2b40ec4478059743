import { InvalidInputError } from '@d2pruner/core';

/**
 * Fits β of the `trend` strategy: the least-squares slope of log a on the sequence offset s
 * over a calibration set (each sample is one attention vector; entries ≤ 0 are skipped).
 */
export function fitTrendBeta(samples: readonly Float32Array[]): number {
  let n = 0;
  let sx = 0;
  let sy = 0;
  let sxx = 0;
  let sxy = 0;
  for (const a of samples) {
    for (let s = 0; s < a.length; s++) {
      if (!(a[s] > 0)) continue;
      const y = Math.log(a[s]);
      n++;
      sx += s;
      sy += y;
      sxx += s * s;
      sxy += s * y;
    }
  }
  const den = n * sxx - sx * sx;
  if (n < 2 || den === 0) throw new InvalidInputError('prior', 'trend fit needs at least two positive attention values at distinct offsets');
  return (n * sxy - sx * sy) / den;
}
