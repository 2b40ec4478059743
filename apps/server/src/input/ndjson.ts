/** One line of an NDJSON body: its 1-based number and text, or the size it would have exceeded. */
export type NdjsonLine = { line: number; text: string } | { line: number; tooLarge: number };

/**
 * Splits a byte stream into lines (`\n` or `\r\n`), pulling a chunk only when the previous one's
 * lines are used. A line longer than `maxLineBytes` is not buffered: it is skipped to its end
 * and reported as `tooLarge` (so one oversized request yields one error line and the batch goes
 * on). Blank lines are dropped but counted.
 */
export async function* ndjsonLines(chunks: AsyncIterable<Uint8Array | string> | Iterable<Uint8Array | string>, maxLineBytes: number): AsyncGenerator<NdjsonLine, void, undefined> {
  const decoder = new TextDecoder('utf-8');
  let parts: Uint8Array[] = [];
  let size = 0;
  let skipping = false;
  let line = 0;
  const finish = (): NdjsonLine | null => {
    line++;
    if (skipping) {
      const r = { line, tooLarge: size };
      skipping = false;
      parts = [];
      size = 0;
      return r;
    }
    const buf = parts.length === 1 ? parts[0] : concat(parts, size);
    parts = [];
    size = 0;
    let text = decoder.decode(buf);
    if (text.endsWith('\r')) text = text.slice(0, -1);
    return text.trim() === '' ? null : { line, text };
  };
  for await (const raw of chunks) {
    const chunk = typeof raw === 'string' ? new TextEncoder().encode(raw) : raw;
    let start = 0;
    for (let nl = chunk.indexOf(10, start); ; nl = chunk.indexOf(10, start)) {
      const end = nl < 0 ? chunk.length : nl;
      const piece = chunk.subarray(start, end);
      size += piece.length;
      if (!skipping && size > maxLineBytes) {
        skipping = true;
        parts = [];
      }
      if (!skipping && piece.length > 0) parts.push(piece);
      if (nl < 0) break;
      const item = finish();
      if (item) yield item;
      start = nl + 1;
    }
  }
  if (size > 0 || skipping) {
    const item = finish();
    if (item) yield item;
  }
}

function concat(parts: readonly Uint8Array[], size: number): Uint8Array {
  const out = new Uint8Array(size);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}
