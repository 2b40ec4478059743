import { float32ArrayJson } from './float32-json.js';

/** `JSON.stringify(value)`, or undefined for what it leaves out (undefined, functions, symbols). */
function plain(value: unknown): string | undefined {
  return JSON.stringify(value) as string | undefined;
}

/** One merged-row entry with its `row` (an array of numbers) written by {@link float32ArrayJson}. */
function mergedEntryJson(entry: unknown): string {
  if (entry === null || typeof entry !== 'object' || Array.isArray(entry) || !Array.isArray((entry as { row?: unknown }).row)) return plain(entry) ?? 'null';
  let out = '';
  for (const [key, value] of Object.entries(entry)) {
    const text = key === 'row' ? float32ArrayJson(value as number[]) : plain(value);
    if (text !== undefined) out += `${out === '' ? '' : ','}${JSON.stringify(key)}:${text}`;
  }
  return `{${out}}`;
}

/**
 * The JSON text of a result (a selection, or a result line built around one: docs/formats.md §2)
 * — `JSON.stringify(value)`, except that the rows of `merged` (VisionZip's merged feature rows,
 * tens of thousands of values a line) are written as float32 values with at most 9 significant
 * digits, several times faster than `JSON.stringify` and about 40 % shorter. The rows are float32
 * values (the features' precision), and 9 digits identify each exactly: `Math.fround` of the
 * parsed number is the row's value. A row number that is not a float32 value is written as
 * `JSON.stringify` writes it.
 */
export function resultJson(value: Record<string, unknown>): string {
  const merged = value.merged;
  if (!Array.isArray(merged) || merged.length === 0 || typeof (value as { toJSON?: unknown }).toJSON === 'function') return JSON.stringify(value);
  let out = '';
  for (const [key, v] of Object.entries(value)) {
    const text = key === 'merged' ? `[${merged.map(mergedEntryJson).join(',')}]` : plain(v);
    if (text !== undefined) out += `${out === '' ? '' : ','}${JSON.stringify(key)}:${text}`;
  }
  return `{${out}}`;
}
