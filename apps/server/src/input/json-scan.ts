import { InvalidInputError, MAX_JSON_DEPTH, MAX_QUOTED_CHARS, scanJson, type JsonBounds, type JsonScan } from '@d2pruner/core';
import { HttpError, clipText } from '../http-error.js';
import type { InputCaps } from './caps.js';

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

/**
 * Throws 413 `PAYLOAD_TOO_LARGE` when a JSON text holds more object members or containers than
 * `bounds` allow, naming the top-level key they were under (else `field`). Depth is left to the
 * caller's own check (its error differs by route); returns the scan.
 */
export function checkJsonCounts(text: string, field: string, bounds: JsonBounds): JsonScan {
  const scan = scanJson(text, bounds);
  if (scan.over === 'members' || scan.over === 'containers') {
    const what = scan.over === 'members' ? `object members (keys), at most ${bounds.members}` : `arrays and objects, at most ${bounds.containers}`;
    const key = scan.key === undefined ? undefined : clipText(scan.key, MAX_QUOTED_CHARS);
    throw new HttpError('PAYLOAD_TOO_LARGE', key ?? field, `the JSON ${field === 'line' ? 'line' : 'body'} holds too many ${what} here (from --max-tokens)${key === undefined ? '' : `; over the bound in '${key}'`}`);
  }
  return scan;
}

/**
 * Checks one JSON line of `POST /v1/prune/batch` or `/v1/eval` before it is parsed: nested
 * deeper than {@link MAX_JSON_DEPTH} is `INVALID_INPUT` naming `line`; more members or containers
 * than the caps allow is 413 (see {@link checkJsonCounts}).
 */
export function checkJsonLine(text: string, caps: Pick<InputCaps, 'maxTokens'>): void {
  if (checkJsonCounts(text, 'line', jsonBounds(caps)).over === 'depth') throw new InvalidInputError('line', `line nests arrays or objects more than ${MAX_JSON_DEPTH} deep`);
}

/**
 * Checks a JSON body before it is parsed, wherever it is parsed (the event loop or the JSON
 * thread): more members or containers than `bounds` allow is 413 (see {@link checkJsonCounts}),
 * nested deeper than {@link MAX_JSON_DEPTH} is 400 `MALFORMED_BODY` naming `body`.
 */
export function checkJsonBody(text: string, bounds: JsonBounds): void {
  if (checkJsonCounts(text, 'body', bounds).over === 'depth') throw new HttpError('MALFORMED_BODY', 'body', `the JSON body nests arrays or objects more than ${MAX_JSON_DEPTH} deep`);
}
