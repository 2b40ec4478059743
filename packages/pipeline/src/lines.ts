import { InvalidInputError } from '@d2pruner/core';

/** Longest line {@link splitLines} buffers by default: 16 Mi characters. */
export const MAX_LINE_CHARS = 16 * 2 ** 20;

/**
 * Splits a stream of text or UTF-8 chunks into lines (without their `\n` or `\r\n`), pulling the
 * next chunk only when the lines of the current one are used up — so a consumer that pulls
 * slowly keeps at most one chunk in memory. A last line without a newline is yielded too. A line
 * longer than `maxLineChars` (e.g. a stream of `/dev/zero`) is `INVALID_INPUT` on field `field`
 * instead of growing memory without end.
 */
export async function* splitLines(chunks: AsyncIterable<Uint8Array | string> | Iterable<Uint8Array | string>, maxLineChars = MAX_LINE_CHARS, field = 'batch'): AsyncGenerator<string, void, undefined> {
  let lineNo = 0;
  const decoder = new TextDecoder('utf-8');
  let rest = '';
  for await (const chunk of chunks) {
    rest += typeof chunk === 'string' ? chunk : decoder.decode(chunk, { stream: true });
    let start = 0;
    for (let nl = rest.indexOf('\n'); nl >= 0; nl = rest.indexOf('\n', start)) {
      const end = nl > start && rest.charCodeAt(nl - 1) === 13 ? nl - 1 : nl;
      // a whole long line inside one large chunk is refused as one split across chunks is
      if (end - start > maxLineChars) throw tooLong(field, lineNo + 1, maxLineChars);
      const line = rest.slice(start, end);
      start = nl + 1;
      lineNo++;
      yield line;
    }
    rest = rest.slice(start);
    if (rest.length > maxLineChars) throw tooLong(field, lineNo + 1, maxLineChars);
  }
  rest += decoder.decode();
  const last = rest.endsWith('\r') ? rest.slice(0, -1) : rest;
  if (last.length > maxLineChars) throw tooLong(field, lineNo + 1, maxLineChars);
  if (rest.length > 0) yield last;
}

function tooLong(field: string, line: number, maxLineChars: number): InvalidInputError {
  return new InvalidInputError(field, `line ${line} is longer than ${maxLineChars} characters`);
}
