import { InvalidArgumentError } from '@d2pruner/core';
import { MAX_WORKERS } from './worker-limit.js';

/**
 * The most requests (`prune --batch`: groups of lines, or requests on the main thread) or files
 * (`eval`) a command keeps in flight (`--concurrency`): each holds its input decoded in memory,
 * so an unbounded value reads the whole batch at once instead of streaming it. Four times
 * {@link MAX_WORKERS}, so the default of two per worker always fits.
 */
export const MAX_CONCURRENCY = 4 * MAX_WORKERS;

/**
 * Checks `--concurrency C` before any input is read: an integer in [1, {@link MAX_CONCURRENCY}],
 * else `INVALID_ARGUMENT` naming `concurrency`. Returns the value.
 */
export function checkConcurrency(value: number): number {
  if (!Number.isInteger(value) || value < 1 || value > MAX_CONCURRENCY) {
    throw new InvalidArgumentError('concurrency', `--concurrency must be an integer in [1, ${MAX_CONCURRENCY}], got ${value}`);
  }
  return value;
}
