import { InvalidInputError } from './errors.js';

/** Deepest nesting of arrays and objects a JSON text may have (a token input needs 3). */
export const MAX_JSON_DEPTH = 64;

/**
 * The deepest nesting of `[` / `{` in a JSON text, found by one scan that skips strings, or
 * `limit + 1` as soon as the text goes deeper than `limit`. Malformed text is left to the
 * parser; this only keeps recursive code (parsers, validators, error messages) off deep values.
 */
export function jsonDepth(text: string, limit = MAX_JSON_DEPTH): number {
  let depth = 0;
  let deepest = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 92) i++;
      else if (c === 34) inString = false;
    } else if (c === 34) inString = true;
    else if (c === 91 || c === 123) {
      if (++depth > deepest) {
        deepest = depth;
        if (deepest > limit) return deepest;
      }
    } else if (c === 93 || c === 125) depth--;
  }
  return deepest;
}

/** Throws `INVALID_INPUT` naming `field` when a JSON text nests deeper than `limit`, before it is parsed. */
export function checkJsonDepth(text: string, field: string, limit = MAX_JSON_DEPTH): void {
  if (jsonDepth(text, limit) > limit) throw new InvalidInputError(field, `${field} nests arrays or objects more than ${limit} deep`);
}
