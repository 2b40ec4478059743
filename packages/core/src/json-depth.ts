import { InvalidInputError, MAX_QUOTED_CHARS } from './errors.js';

/** Deepest nesting of arrays and objects a JSON text may have (a token input needs 3). */
export const MAX_JSON_DEPTH = 64;

/** How much structure a JSON text may hold before it is parsed. */
export interface JsonBounds {
  /** Deepest nesting of arrays and objects. */
  depth: number;
  /** Object members (`"key": value` pairs) in all. */
  members: number;
  /** Arrays and objects in all. */
  containers: number;
}

/** What {@link scanJson} found: the deepest nesting, or the first bound exceeded and the top-level key it was under. */
export interface JsonScan {
  /** Deepest nesting seen (stops growing past the depth bound). */
  depth: number;
  /** The bound that was exceeded, if any (`depth` first: the scan stops there). */
  over?: 'depth' | 'members' | 'containers';
  /** The top-level object key being read when a bound was exceeded (raw text, at most {@link MAX_QUOTED_CHARS} + 1 characters). */
  key?: string;
}

/**
 * One scan of a JSON text that skips strings: the deepest nesting of `[` / `{` and the counts of
 * object members and containers, stopping at the first bound exceeded. Malformed text is left
 * to the parser; this keeps recursive code (parsers, validators, error messages) off deep values
 * and lets callers refuse millions of keys before `JSON.parse` spends seconds on them.
 */
export function scanJson(text: string, bounds: JsonBounds): JsonScan {
  let depth = 0;
  let deepest = 0;
  let members = 0;
  let containers = 0;
  let inString = false;
  let stringStart = -1;
  let lastTop: [number, number] | undefined;
  let key: string | undefined;
  const over = (what: JsonScan['over']): JsonScan => ({ depth: deepest, over: what, ...(key === undefined ? {} : { key }) });
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 92) i++;
      else if (c === 34) {
        inString = false;
        if (depth === 1) lastTop = [stringStart + 1, i];
      }
    } else if (c === 34) {
      inString = true;
      stringStart = i;
    } else if (c === 91 || c === 123) {
      if (++depth > deepest && (deepest = depth) > bounds.depth) return over('depth');
      if (++containers > bounds.containers) return over('containers');
    } else if (c === 93 || c === 125) depth--;
    else if (c === 58) {
      if (depth === 1 && lastTop) key = text.slice(lastTop[0], Math.min(lastTop[1], lastTop[0] + MAX_QUOTED_CHARS + 1));
      if (++members > bounds.members) return over('members');
    }
  }
  return { depth: deepest };
}

/**
 * The deepest nesting of `[` / `{` in a JSON text ({@link scanJson} with no count bounds), or
 * `limit + 1` as soon as the text goes deeper than `limit`.
 */
export function jsonDepth(text: string, limit = MAX_JSON_DEPTH): number {
  return scanJson(text, { depth: limit, members: Infinity, containers: Infinity }).depth;
}

/** Throws `INVALID_INPUT` naming `field` when a JSON text nests deeper than `limit`, before it is parsed. */
export function checkJsonDepth(text: string, field: string, limit = MAX_JSON_DEPTH): void {
  if (jsonDepth(text, limit) > limit) throw new InvalidInputError(field, `${field} nests arrays or objects more than ${limit} deep`);
}
