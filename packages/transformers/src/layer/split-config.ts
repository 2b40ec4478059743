import { InvalidInputError } from '@d2pruner/core';
import type { SplitConfig } from '../split/names.js';
import type { SessionLike } from '../types.js';

const SIZES = ['layers', 'hidden', 'heads', 'kvHeads', 'headDim'] as const;

/**
 * Checks the sizes a `split.json` may record (`layers`, `hidden`, `heads`, `kvHeads`,
 * `headDim`): each, when present, a positive integer (INVALID_INPUT `split` naming the key), so
 * a hand-edited file fails here rather than as a raw TypeError when the KV cache is built.
 * @param where the file, for messages
 */
export function checkSplitSizes(config: SplitConfig, where: string): void {
  for (const k of SIZES) {
    const v: unknown = config[k];
    if (v !== undefined && !(Number.isSafeInteger(v) && (v as number) > 0)) throw new InvalidInputError('split', `'${where}' has ${k} ${JSON.stringify(v)}; it must be a positive integer`);
  }
}

/**
 * Checks `split.json`'s `kvHeads` / `headDim` against the cache shape part `part` declares
 * ([batch, kvHeads, past, headDim] for `past_key_values.*`), where the session reports fixed
 * dimensions (onnxruntime `inputMetadata`); a mismatch is INVALID_INPUT `split`.
 */
export function checkCacheShape(config: SplitConfig, session: SessionLike, part: string, where: string): void {
  const meta = (session as { inputMetadata?: readonly { name?: string; shape?: readonly unknown[] }[] }).inputMetadata;
  if (!Array.isArray(meta)) return;
  for (const m of meta) {
    if (!m?.name?.startsWith('past_key_values.') || !Array.isArray(m.shape) || m.shape.length !== 4) continue;
    const [, heads, , hd] = m.shape;
    for (const [k, want, got] of [['kvHeads', config.kvHeads, heads], ['headDim', config.headDim, hd]] as const) {
      if (want !== undefined && typeof got === 'number' && got !== want) {
        throw new InvalidInputError('split', `'${where}' says ${k} ${want} but ${part}'s ${m.name} has ${got}`);
      }
    }
  }
}
