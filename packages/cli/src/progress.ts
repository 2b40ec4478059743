import type { ProgressEvent } from '@d2pruner/pipeline';

/** Clears the terminal line the cursor is on (carriage return, erase to the end of the line). */
const CLEAR_LINE = '\r\x1b[K';

/**
 * A progress bar on stderr — items done, failures, rate and, when the total is known, the ETA,
 * redrawn in place on one line — and the messages printed while it is drawn.
 */
export interface ProgressLine {
  /** The pipeline's `onProgress` callback; undefined when stderr is not a terminal. */
  readonly onProgress: ((e: ProgressEvent) => void) | undefined;
  /**
   * Writes a message line (ending in `\n`) on stderr. On a terminal the bar's line is cleared
   * first, so the message does not run on after the bar; the next progress event draws the bar
   * again below it.
   */
  message(text: string): void;
}

/** A {@link ProgressLine} writing through `write`, with a bar only when `terminal`. */
export function progressLine(write: (text: string) => void, label: string, terminal: boolean): ProgressLine {
  let drawn = false;
  const onProgress = (e: ProgressEvent): void => {
    const total = e.total ? `/${e.total}` : '';
    const eta = e.etaMs !== undefined ? `, ETA ${(e.etaMs / 1000).toFixed(1)} s` : '';
    const bar = e.total ? ` [${'#'.repeat(Math.round((20 * e.done) / e.total)).padEnd(20, '.')}]` : '';
    write(`\r${label}${bar} ${e.done}${total} done, ${e.failed} failed, ${e.rate.toFixed(1)}/s${eta}${e.final ? '\n' : ''}`);
    drawn = !e.final;
  };
  return {
    onProgress: terminal ? onProgress : undefined,
    message: (text) => {
      write(drawn ? CLEAR_LINE + text : text);
      drawn = false;
    },
  };
}
