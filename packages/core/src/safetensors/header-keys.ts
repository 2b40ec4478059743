/**
 * The keys of the top-level object of a JSON text, in order, duplicates included (`JSON.parse`
 * keeps only the last of equal keys). The text must already be valid JSON with an object at the
 * top: the scan only tracks strings and nesting depth.
 */
export function topLevelKeys(json: string): string[] {
  const keys: string[] = [];
  let depth = 0;
  let expectKey = false;
  for (let i = 0; i < json.length; i++) {
    const ch = json.charCodeAt(i);
    if (ch === 0x22) {
      const start = i;
      i = stringEnd(json, i);
      if (depth === 1 && expectKey) keys.push(JSON.parse(json.slice(start, i + 1)) as string);
      expectKey = false;
    } else if (ch === 0x7b || ch === 0x5b) {
      depth++;
      expectKey = depth === 1;
    } else if (ch === 0x7d || ch === 0x5d) {
      depth--;
    } else if (ch === 0x2c && depth === 1) {
      expectKey = true;
    }
  }
  return keys;
}

/** Index of the quote closing the string that opens at `open` (skips escaped quotes; native search). */
function stringEnd(json: string, open: number): number {
  let q = json.indexOf('"', open + 1);
  for (;;) {
    let slashes = 0;
    while (json.charCodeAt(q - 1 - slashes) === 0x5c) slashes++;
    if (slashes % 2 === 0) return q;
    q = json.indexOf('"', q + 1);
  }
}
