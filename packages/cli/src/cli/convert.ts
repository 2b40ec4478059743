import { InvalidArgumentError, parseDecimal } from '@d2pruner/core';
import type { OptionSpec } from './option.js';

/** Parses `AxB` (e.g. `24x24`, `640x480`); a typed error naming the option otherwise. */
export function parseSize(name: string, v: string): [number, number] {
  const m = /^(\d+)[xX×](\d+)$/.exec(v);
  if (!m) throw new InvalidArgumentError(name, `--${name} expects AxB with positive integers, got '${v}'`);
  const a = Number(m[1]);
  const b = Number(m[2]);
  if (a < 1 || b < 1) throw new InvalidArgumentError(name, `--${name} expects positive sizes, got '${v}'`);
  return [a, b];
}

/**
 * Reads the text of a numeric flag as a plain decimal number (`64`, `-3`, `0.25`, `.5`, `1e3`;
 * core's `parseDecimal`): hex, octal or binary literals, empty or blank-padded text, `Infinity`,
 * `NaN` and overflow are a typed error naming `field`. `label` is how the message names the
 * value (default `--field`).
 */
export function decimalFlag(field: string, text: string, label = `--${field}`): number {
  const n = parseDecimal(text);
  if (n === undefined) throw new InvalidArgumentError(field, `${label} expects a decimal number, got '${text}'`);
  return n;
}

/** Converts a raw option value to its declared type; a typed error naming the option when it does not fit. */
export function convertOption(name: string, spec: OptionSpec, raw: string | boolean): unknown {
  if (spec.type === 'boolean') return raw === true || raw === 'true';
  const v = String(raw);
  if (spec.type === 'number') return decimalFlag(name, v);
  if (spec.type === 'size') return parseSize(name, v);
  if (spec.choices && !spec.choices.includes(v)) throw new InvalidArgumentError(name, `--${name} must be one of ${spec.choices.join(', ')}, got '${v}'`);
  return v;
}
