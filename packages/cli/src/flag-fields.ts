import { D2PrunerError, isD2PrunerError } from '@d2pruner/core';

/**
 * Runs `fn`, renaming the field of a typed error it throws from the library's name to the
 * command line's (`adapter` → `model`, `maxTiles` → `max-tiles`), so the one-line error names
 * the flag the user typed. The API name in the message becomes `--flag` too; code and the rest
 * of the message are kept.
 */
export function withFlagNames<T>(fields: Readonly<Record<string, string>>, fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    if (!isD2PrunerError(e) || !Object.hasOwn(fields, e.field)) throw e;
    const flag = fields[e.field];
    throw new D2PrunerError(e.code, flag, e.message.startsWith(`${e.field} `) ? `--${flag}${e.message.slice(e.field.length)}` : e.message);
  }
}

/** The adapter options' names as the command line spells them. */
export const ADAPTER_FLAGS: Readonly<Record<string, string>> = { adapter: 'model', maxTiles: 'max-tiles' };
