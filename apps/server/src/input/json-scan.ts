import { MAX_JSON_DEPTH, MAX_QUOTED_CHARS } from '@d2pruner/core';
import { HttpError, clipText } from '../http-error.js';
import type { InputCaps } from './caps.js';

/** How much structure a JSON text (a body, a batch or eval line) may hold before it is parsed. */
export interface JsonBounds {
  /** Deepest nesting of arrays and objects. */
  depth: number;
  /** Object members (`"key": value` pairs) in all. */
  members: number;
  /** Arrays and objects in all. */
  containers: number;
}

/**
 * The bounds of a JSON input under the caps: a token input holds a few dozen keys plus two per
 * layout frame, and one array per matrix row (at most `maxTokens` rows per tensor), so
 * 2·maxTokens + 4096 members and 16·maxTokens + 65536 containers leave every real input room,
 * while millions of keys or empty objects in a body of a few MB (seconds of parsing,
 * validation and copying on the event loop, GBs of heap) are refused before `JSON.parse`.
 */
export function jsonBounds(caps: Pick<InputCaps, 'maxTokens'>): JsonBounds {
  return { depth: MAX_JSON_DEPTH, members: 2 * caps.maxTokens + 4096, containers: 16 * caps.maxTokens + 65536 };
}

/** What {@link scanJson} found: the deepest nesting, or the first count over its bound and the top-level key it was under. */
export interface JsonScan {
  /** Deepest nesting seen (stops growing past the depth bound). */
  depth: number;
  /** The bound that was exceeded, if any (`depth` first: the scan stops there). */
  over?: 'depth' | 'members' | 'containers';
  /** The top-level object key being read when a bound was exceeded (raw text, clipped). */
  key?: string;
}

/**
 * One scan of a JSON text, skipping strings: the nesting depth and the counts of object members
 * and containers, stopping at the first bound exceeded. Malformed text is left to the parser.
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
      if (depth === 1 && lastTop) key = clipText(text.slice(lastTop[0], Math.min(lastTop[1], lastTop[0] + MAX_QUOTED_CHARS + 1)), MAX_QUOTED_CHARS);
      if (++members > bounds.members) return over('members');
    }
  }
  return { depth: deepest };
}

/**
 * Throws 413 `PAYLOAD_TOO_LARGE` when a JSON text holds more object members or containers than
 * `bounds` allow, naming the top-level key they were under (else `field`). Depth is left to the
 * caller's own check (its error differs by route); returns the scan.
 */
export function checkJsonCounts(text: string, field: string, bounds: JsonBounds): JsonScan {
  const scan = scanJson(text, bounds);
  if (scan.over === 'members' || scan.over === 'containers') {
    const what = scan.over === 'members' ? `object members (keys), at most ${bounds.members}` : `arrays and objects, at most ${bounds.containers}`;
    throw new HttpError('PAYLOAD_TOO_LARGE', scan.key ?? field, `the JSON ${field === 'line' ? 'line' : 'body'} holds too many ${what} here (from --max-tokens)${scan.key === undefined ? '' : `; over the bound in '${scan.key}'`}`);
  }
  return scan;
}
