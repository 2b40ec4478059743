import type { ProgressEvent } from '@d2pruner/pipeline';

/**
 * Renders pipeline progress as a one-line bar on stderr (only when stderr is a terminal):
 * items done, failures, rate and, when the total is known, the ETA.
 */
export function progressRenderer(write: (text: string) => void, label: string): (e: ProgressEvent) => void {
  return (e) => {
    const total = e.total ? `/${e.total}` : '';
    const eta = e.etaMs !== undefined ? `, ETA ${(e.etaMs / 1000).toFixed(1)} s` : '';
    const bar = e.total ? ` [${'#'.repeat(Math.round((20 * e.done) / e.total)).padEnd(20, '.')}]` : '';
    write(`\r${label}${bar} ${e.done}${total} done, ${e.failed} failed, ${e.rate.toFixed(1)}/s${eta}${e.final ? '\n' : ''}`);
  };
}
