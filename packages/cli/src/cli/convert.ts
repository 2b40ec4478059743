import { InvalidArgumentError } from '@d2pruner/core';
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

/** Converts a raw option value to its declared type; a typed error naming the option when it does not fit. */
export function convertOption(name: string, spec: OptionSpec, raw: string | boolean): unknown {
  if (spec.type === 'boolean') return raw === true || raw === 'true';
  const v = String(raw);
  if (spec.type === 'number') {
    const n = Number(v);
    if (v.trim() === '' || !Number.isFinite(n)) throw new InvalidArgumentError(name, `--${name} expects a number, got '${v}'`);
    return n;
  }
  if (spec.type === 'size') return parseSize(name, v);
  if (spec.choices && !spec.choices.includes(v)) throw new InvalidArgumentError(name, `--${name} must be one of ${spec.choices.join(', ')}, got '${v}'`);
  return v;
}
