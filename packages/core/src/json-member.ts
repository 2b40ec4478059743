/**
 * The value of member `key` of a JSON object text when it is a string or a number — the last
 * such member at the top level, as `JSON.parse` keeps the last of repeated keys — found by one
 * scan that skips strings and nested values, without parsing the text: a batch line that failed
 * (too many keys, a bad tensor) still names its `id` in its error line, and a 50 MB line costs a
 * scan instead of a second `JSON.parse` (seconds, and gigabytes for millions of keys). Undefined
 * when the text is not an object, the member is absent, or its value is anything else.
 */
export function topLevelScalar(text: string, key: string): string | number | undefined {
  let depth = 0;
  let found: string | undefined;
  let i = 0;
  const n = text.length;
  while (i < n && isSpace(text.charCodeAt(i))) i++;
  if (text.charCodeAt(i) !== 123) return undefined;
  for (; i < n; i++) {
    const c = text.charCodeAt(i);
    if (c === 34) {
      const end = stringEnd(text, i);
      if (end < 0) return undefined;
      if (depth === 1) {
        // a top-level key: the next non-space character is ':'
        let j = end + 1;
        while (j < n && isSpace(text.charCodeAt(j))) j++;
        if (text.charCodeAt(j) === 58 && keyText(text.slice(i + 1, end)) === key) {
          let k = j + 1;
          while (k < n && isSpace(text.charCodeAt(k))) k++;
          const v = text.charCodeAt(k);
          if (v === 34) {
            const vEnd = stringEnd(text, k);
            if (vEnd < 0) return undefined;
            found = text.slice(k, vEnd + 1);
          } else if (v === 45 || (v >= 48 && v <= 57)) {
            let e = k;
            while (e < n && !isSpace(text.charCodeAt(e)) && text.charCodeAt(e) !== 44 && text.charCodeAt(e) !== 125) e++;
            found = text.slice(k, e);
          } else found = undefined;
        }
      }
      i = end;
    } else if (c === 91 || c === 123) depth++;
    else if (c === 93 || c === 125) depth--;
  }
  if (found === undefined) return undefined;
  try {
    const value: unknown = JSON.parse(found);
    return typeof value === 'string' || typeof value === 'number' ? value : undefined;
  } catch {
    return undefined;
  }
}

function isSpace(c: number): boolean {
  return c === 32 || c === 9 || c === 10 || c === 13;
}

/** The index of the quote that closes the string opening at `start`, or −1. */
function stringEnd(text: string, start: number): number {
  for (let i = start + 1; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 92) i++;
    else if (c === 34) return i;
  }
  return -1;
}

/** A key's text with its escapes decoded (`"i\u0064"` is `id`). */
function keyText(raw: string): string | undefined {
  if (!raw.includes('\\')) return raw;
  try {
    return JSON.parse(`"${raw}"`) as string;
  } catch {
    return undefined;
  }
}
