/** What this package reads of an `AbortSignal`. */
export type AbortSignalLike = Pick<AbortSignal, 'aborted' | 'reason'>;

/** Whether `value` looks like an `AbortSignal`: a boolean `aborted` and an `addEventListener` function. */
export function isAbortSignalLike(value: unknown): value is AbortSignal {
  if (typeof value !== 'object' || value === null) return false;
  const s = value as { aborted?: unknown; addEventListener?: unknown };
  return typeof s.aborted === 'boolean' && typeof s.addEventListener === 'function';
}

/**
 * Throws the reason of `signal` once it has aborted — the `AbortError` DOMException when it
 * carries none (`abort()` without a reason gives one already) — and does nothing otherwise.
 */
export function throwIfAborted(signal: AbortSignalLike | undefined): void {
  if (signal?.aborted) throw signal.reason ?? new DOMException('This operation was aborted', 'AbortError');
}
