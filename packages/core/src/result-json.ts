import type { Float32ArrayWriter } from './float32-json.js';
import { JsonBytes } from './json-bytes.js';

/** Options of {@link resultJson}. */
export interface ResultJsonOptions {
  /** Writes the merged rows' numbers: `writeFloat32Array`'s output, faster (default: that function). */
  writeFloat32Array?: Float32ArrayWriter;
}

/** `JSON.stringify(value)`, or undefined for what it leaves out (undefined, functions, symbols). */
function plain(value: unknown): string | undefined {
  return JSON.stringify(value) as string | undefined;
}

/** Whether `entry` is a merged-row entry whose `row` is an array (its row is written as float32 values). */
function hasRowArray(entry: unknown): entry is Record<string, unknown> & { row: number[] } {
  return entry !== null && typeof entry === 'object' && !Array.isArray(entry) && Array.isArray((entry as { row?: unknown }).row);
}

/**
 * Appends the object `value` as `JSON.stringify` writes it (own enumerable members in order,
 * undefined ones left out), except its member named `special`, whose value `writeSpecial` writes.
 */
function objectWith(out: JsonBytes, value: object, special: string, writeSpecial: (v: unknown) => void): void {
  out.byte(123);
  let first = true;
  for (const [name, v] of Object.entries(value)) {
    const text = name === special ? '' : plain(v);
    if (text === undefined) continue;
    if (!first) out.byte(44);
    out.text(JSON.stringify(name)).byte(58);
    if (name === special) writeSpecial(v);
    else out.text(text);
    first = false;
  }
  out.byte(125);
}

/** Appends one merged-row entry: its `row` as float32 values, everything else as `JSON.stringify`. */
function mergedEntry(out: JsonBytes, entry: unknown, write: Float32ArrayWriter | undefined): void {
  if (!hasRowArray(entry)) out.text(plain(entry) ?? 'null');
  else objectWith(out, entry, 'row', (row) => out.float32Array(row as number[], write) || out.text(plain(row) as string));
}

let shared: JsonBytes | undefined;

/**
 * The JSON text of a result (a selection, or a result line built around one: docs/formats.md §2)
 * — `JSON.stringify(value)`, except that the rows of `merged` (VisionZip's merged feature rows,
 * tens of thousands of values a line) are written as float32 values with at most 9 significant
 * digits, several times faster than `JSON.stringify` and about 40 % shorter. The rows are float32
 * values (the features' precision), and 9 digits identify each exactly: `Math.fround` of the
 * parsed number is the row's value. A row number that is not a float32 value is written as
 * `JSON.stringify` writes it. Such a line is written into one reused byte buffer and decoded
 * once (one flat string); `options.writeFloat32Array` may write the numbers faster (the same bytes).
 */
export function resultJson(value: Record<string, unknown>, options: ResultJsonOptions = {}): string {
  const out = writeMerged(value, options);
  return out ? out.take() : JSON.stringify(value);
}

/**
 * {@link resultJson} for writers of bytes (a file, a pipe, a socket): a line with merged rows as
 * its UTF-8 bytes, never made a string — for a VisionZip line of 640 KB the string alone costs
 * several times the copy — and every other line as the string `resultJson` returns. Decoding the
 * bytes as UTF-8 gives exactly `resultJson(value, options)`.
 */
export function resultJsonPayload(value: Record<string, unknown>, options: ResultJsonOptions = {}): string | Uint8Array {
  const out = writeMerged(value, options);
  return out ? out.takeBytes() : JSON.stringify(value);
}

/** The shared buffer holding `value` written with its merged rows as float32 values; undefined when it has none to write so. */
function writeMerged(value: Record<string, unknown>, options: ResultJsonOptions): JsonBytes | undefined {
  const merged = value.merged;
  if (!Array.isArray(merged) || merged.length === 0 || typeof (value as { toJSON?: unknown }).toJSON === 'function') return undefined;
  const out = (shared ??= new JsonBytes());
  objectWith(out, value, 'merged', () => {
    out.byte(91);
    merged.forEach((entry, i) => {
      if (i > 0) out.byte(44);
      mergedEntry(out, entry, options.writeFloat32Array);
    });
    out.byte(93);
  });
  return out;
}
