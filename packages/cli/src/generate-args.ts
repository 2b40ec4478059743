import { D2PrunerError, InvalidArgumentError, isD2PrunerError } from '@d2pruner/core';

/**
 * The weight types transformers.js 4.x knows (`DATA_TYPES` in its `utils/dtypes.js`, not
 * exported): `generate --dtype` takes one of these, since transformers.js silently loads its
 * default for any other word.
 */
export const TRANSFORMERS_DTYPES = ['auto', 'fp32', 'fp16', 'q8', 'int8', 'uint8', 'q4', 'bnb4', 'q4f16', 'q2', 'q2f16', 'q1', 'q1f16'] as const;

/** Checks `generate --max-new-tokens T` before the model loads: an integer ≥ 1, else `INVALID_ARGUMENT` naming `max-new-tokens`. */
export function checkMaxNewTokens(value: number): number {
  if (!Number.isInteger(value) || value < 1) throw new InvalidArgumentError('max-new-tokens', `--max-new-tokens must be an integer ≥ 1, got ${value}`);
  return value;
}

/**
 * An error of loading or running a model, as the command line reports it: a typed error about
 * `maxNewTokens` (the model's position limit) names `max-new-tokens`; transformers.js's plain
 * `Unsupported device: "…"` becomes `INVALID_ARGUMENT` naming `device` (exit 2, not an internal
 * failure). Anything else is returned as is.
 */
export function generateFlagError(e: unknown): unknown {
  if (isD2PrunerError(e) && e.field === 'maxNewTokens') return new D2PrunerError(e.code, 'max-new-tokens', e.message.replaceAll('maxNewTokens', '--max-new-tokens'));
  if (!isD2PrunerError(e) && e instanceof Error && e.message.startsWith('Unsupported device')) return new InvalidArgumentError('device', `--device: ${e.message}`);
  return e;
}
