import { InvalidArgumentError } from '@d2pruner/core';

/** Media type of a server-sent event stream. */
export const EVENT_STREAM_TYPE = 'text/event-stream; charset=utf-8';

/**
 * One server-sent event: `event: NAME`, one `data:` line holding `data` as JSON (JSON text has
 * no raw newlines, so one line always suffices), and the blank line that ends the event.
 */
export function sseEvent(event: string, data: unknown): string {
  if (/[\r\n]/.test(event)) throw new InvalidArgumentError('event', 'an event name has no line breaks');
  return `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;
}
