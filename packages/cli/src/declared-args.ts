import { InvalidArgumentError } from '@d2pruner/core';

/**
 * Runs a `node:util` `parseArgs` call (a command's declared options) and turns its errors
 * (unknown option, missing value, value for a flag) into a typed error naming the option.
 */
export function declaredArgs<T>(parse: () => T): T {
  try {
    return parse();
  } catch (e) {
    const message = e instanceof Error ? e.message : String(e);
    const name = /'(--?[\w-]+)/.exec(message)?.[1]?.replace(/^-+/, '') ?? 'arguments';
    throw new InvalidArgumentError(name, message.split('. To specify')[0]);
  }
}

/** A comma-separated list option (`--methods a,b`), trimmed, empty entries dropped. */
export function listOption(value: string | undefined): string[] | undefined {
  return value === undefined ? undefined : value.split(',').map((s) => s.trim()).filter(Boolean);
}

/** A number option; a typed error naming it when it does not parse. */
export function numberValue(name: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n)) throw new InvalidArgumentError(name, `--${name} expects a number, got '${value}'`);
  return n;
}
