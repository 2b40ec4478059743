/** The longest message {@link oneLine} prints whole; a longer one keeps its head and says how much it left out. */
export const MAX_MESSAGE_CHARS = 2000;

/**
 * A message made safe to print as one line on stderr (docs/formats.md §3.4): control characters
 * (line breaks, carriage returns, terminal escapes, U+2028/U+2029) are written as escapes
 * (`\n`, `\u001b`), so a value quoted from a file — a `d2pruner.model` holding a newline, say —
 * can neither split the line nor drive the terminal; a message longer than `max` characters
 * (one quoting a megabyte-long metadata value) keeps its first `max` and notes the rest's length.
 */
export function oneLine(text: string, max = MAX_MESSAGE_CHARS): string {
  const head = text.length > max ? text.slice(0, max) : text;
  // eslint-disable-next-line no-control-regex
  const safe = head.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g, (c) => {
    if (c === '\n') return '\\n';
    if (c === '\r') return '\\r';
    if (c === '\t') return '\\t';
    return `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`;
  });
  return text.length > max ? `${safe}… (${text.length - max} more characters)` : safe;
}
