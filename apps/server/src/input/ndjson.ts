import { HttpError } from '../http-error.js';
import { LineSegments } from './line-segments.js';

/**
 * One line of an NDJSON body: its 1-based number, its text — or, for a line of at least the
 * reader's `rawFrom` bytes, its undecoded bytes as `parts` — and the bytes it holds in the
 * reader's {@link LineBudget} (to give back once the line is done with); or the size it would
 * have exceeded.
 */
export type NdjsonLine = { line: number; text: string; bytes: number } | { line: number; parts: Uint8Array[]; bytes: number } | { line: number; tooLarge: number };

/** Options of {@link ndjsonLines}. */
export interface NdjsonOptions {
  /** Lines of this many bytes or more come as `parts`, copied into buffers of their own as they arrive and never decoded here (default: none). */
  rawFrom?: number;
}

/** Whether `piece` holds a byte other than JSON whitespace (it stops at the first). */
function hasContent(piece: Uint8Array): boolean {
  for (let i = 0; i < piece.length; i++) {
    const c = piece[i];
    if (c !== 32 && c !== 9 && c !== 10 && c !== 13) return true;
  }
  return false;
}

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
 *
 * With `rawFrom`, a line that reaches that many bytes is copied piece by piece into a
 * {@link LineSegments} and yielded as `parts`: the event loop never holds the whole line in one
 * block (a worker decodes and parses it). A line of whitespace only is blank at any size.
 */
export async function* ndjsonLines(
  chunks: AsyncIterable<Uint8Array | string> | Iterable<Uint8Array | string>,
  maxLineBytes: number,
  budget?: LineBudget,
  options: NdjsonOptions = {},
): AsyncGenerator<NdjsonLine, void, undefined> {
  const decoder = new TextDecoder('utf-8');
  const rawFrom = options.rawFrom ?? Infinity;
  let parts: Uint8Array[] = [];
  let segments: LineSegments | undefined;
  let content = false;
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
    content ||= hasContent(piece);
    if (segments) segments.append(piece);
    else if (size >= rawFrom) {
      // the line turns long: its pieces so far and from now on go to buffers of its own
      segments = new LineSegments();
      for (const p of parts) segments.append(p);
      segments.append(piece);
      parts = [];
    } else parts.push(piece);
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
    const long = segments;
    const blank = !content;
    segments = undefined;
    content = false;
    if (long) {
      size = 0;
      const bytes = held;
      held = 0;
      if (!blank) return { line, parts: long.parts(), bytes };
      if (bytes > 0) budget?.give(bytes);
      return null;
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
          segments = undefined;
          content = false;
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
    segments = undefined;
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
