import { HttpError } from '../http-error.js';

/**
 * One line of an NDJSON body: its 1-based number, its text and the bytes it holds in the
 * reader's {@link LineBudget} (to give back once the line is done with), or the size it would
 * have exceeded.
 */
export type NdjsonLine = { line: number; text: string; bytes: number } | { line: number; tooLarge: number };

/** Where {@link ndjsonLines} counts the bytes of the lines it buffers (a request's `BodyHold`). */
export interface LineBudget {
  /** Takes `bytes` more; throws, taking nothing, when they do not fit. */
  take(bytes: number): void;
  /** Gives `bytes` back. */
  give(bytes: number): void;
}

/** The budget refused a line while it was being read: the error of the budget (code, field, headers) and the line's number. */
export class LineOverBudgetError extends HttpError {
  /**
   * @param line 1-based number of the line being read
   * @param cause the budget's error
   */
  constructor(
    readonly line: number,
    cause: HttpError,
  ) {
    super(cause.code, cause.field, `line ${line}: ${cause.message}`, { ...cause.headers });
    this.name = 'LineOverBudgetError';
  }
}

/**
 * Splits a byte stream into lines (`\n` or `\r\n`), pulling a chunk only when the previous one's
 * lines are used. A line longer than `maxLineBytes` is not buffered: it is skipped to its end
 * and reported as `tooLarge` (so one oversized request yields one error line and the batch goes
 * on). Blank lines are dropped but counted.
 *
 * With a `budget`, every byte of a line is taken from it as it is buffered (a partial line
 * included) and the line carries their count as `bytes`: the caller gives them back once the
 * line is done with. Bytes of a blank or skipped line, and of a partial line when reading ends,
 * are given back here. When the budget refuses a chunk, reading fails with a
 * {@link LineOverBudgetError} (an `HttpError` of the budget's code and field) and the partial
 * line is dropped.
 */
export async function* ndjsonLines(
  chunks: AsyncIterable<Uint8Array | string> | Iterable<Uint8Array | string>,
  maxLineBytes: number,
  budget?: LineBudget,
): AsyncGenerator<NdjsonLine, void, undefined> {
  const decoder = new TextDecoder('utf-8');
  let parts: Uint8Array[] = [];
  let size = 0;
  /** Bytes of the line in progress taken from `budget`. */
  let held = 0;
  let skipping = false;
  let line = 0;
  const giveBack = (): void => {
    if (held > 0) budget?.give(held);
    held = 0;
  };
  const buffer = (piece: Uint8Array): void => {
    try {
      budget?.take(piece.length);
    } catch (e) {
      throw e instanceof HttpError ? new LineOverBudgetError(line + 1, e) : e;
    }
    held += piece.length;
    parts.push(piece);
  };
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
    const bytes = held;
    held = 0;
    let text = decoder.decode(buf);
    if (text.endsWith('\r')) text = text.slice(0, -1);
    if (text.trim() !== '') return { line, text, bytes };
    if (bytes > 0) budget?.give(bytes);
    return null;
  };
  try {
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
          giveBack();
        }
        if (!skipping && piece.length > 0) buffer(piece);
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
  } finally {
    // reading failed or stopped inside a line: its bytes go back with it
    parts = [];
    giveBack();
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
