import { InvalidArgumentError } from './errors.js';

/** A positive finite number as JavaScript prints it (shortest round trip): digits, fraction, exponent. */
const DECIMAL = /^(\d+)(?:\.(\d+))?(?:e([+-]\d+))?$/;

/**
 * round(ratio · n), half up, for a ratio in [0, 1] and a token count n ≥ 0, computed exactly on the
 * decimal the ratio prints as (`String(ratio)`, the shortest text that reads back as the same
 * number — what was typed in `--ratio 0.7`), not on the binary floating-point product: 0.7 · 45 is
 * 31.499999999999996 in floating point but 31.5 as written, which rounds to 32. A ratio outside
 * [0, 1] is a typed error naming `ratio`; `n` must be an integer ≥ 0 (a typed error naming `n`).
 */
export function roundRatioTimes(ratio: number, n: number): number {
  if (!(ratio >= 0 && ratio <= 1)) throw new InvalidArgumentError('ratio', `ratio must be in [0, 1], got ${ratio}`);
  if (ratio === 0) return 0;
  if (!(Number.isSafeInteger(n) && n >= 0)) throw new InvalidArgumentError('n', `the token count must be an integer ≥ 0, got ${n}`);
  const m = DECIMAL.exec(String(ratio));
  if (!m) throw new InvalidArgumentError('ratio', `ratio ${ratio} is not a plain decimal number`);
  const fraction = m[2] ?? '';
  const exponent = Number(m[3] ?? 0) - fraction.length;
  const product = BigInt(m[1] + fraction) * BigInt(n);
  if (exponent >= 0) return Number(product * 10n ** BigInt(exponent));
  const scale = 10n ** BigInt(-exponent);
  const whole = product / scale;
  return Number(2n * (product % scale) >= scale ? whole + 1n : whole);
}
