/**
 * Plain decimal number text, as the command line accepts it for numeric flags: an optional sign,
 * digits with an optional fraction (or a bare fraction, `.5`), an optional exponent. No hex,
 * octal or binary literals, no surrounding spaces, no `Infinity` or `NaN`. Core's
 * `parseDecimal` repeated with no imports, so that the early pool reads `--workers` before the
 * CLI (or core) loads; a test keeps the two equal.
 */
export const DECIMAL_NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

/** The value of plain decimal `text` (see {@link DECIMAL_NUMBER}) when it is finite, else undefined. */
export function decimalNumber(text: string): number | undefined {
  if (!DECIMAL_NUMBER.test(text)) return undefined;
  const n = Number(text);
  return Number.isFinite(n) ? n : undefined;
}
