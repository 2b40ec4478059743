import { registerInternVLAdapters } from '@d2pruner/adapter-internvl';
import { registerLlavaAdapters } from '@d2pruner/adapter-llava';
import {
  InvalidArgumentError,
  getAdapter,
  matchTokenCount,
  parseImageSize,
  tokenCount,
  type AdapterOptions,
  type ModelAdapter,
  type TokenInput,
  type TokenLayout,
} from '@d2pruner/core';
import { numberOption, stringOption, type ParsedArgs } from './args.js';

/** Registers the built-in adapters (idempotent) and looks one up by id or alias. */
export function adapterById(id: string): ModelAdapter {
  registerLlavaAdapters();
  registerInternVLAdapters();
  return getAdapter(id);
}

/** Layout options from the command line (`--max-tiles M`); only given flags are passed. */
export function layoutOptionsFromArgs(args: ParsedArgs): AdapterOptions | undefined {
  const maxTiles = numberOption(args, 'max-tiles');
  return maxTiles === undefined ? undefined : { maxTiles };
}

/** The adapter layout for `--model ID --image WxH`, or undefined when neither is given. */
export function adapterLayoutFromArgs(args: ParsedArgs): TokenLayout | undefined {
  const model = stringOption(args, 'model');
  const image = stringOption(args, 'image');
  if (!model && !image) return undefined;
  if (!model || !image) throw new InvalidArgumentError(model ? 'image' : 'model', '--model ID and --image WxH go together');
  return adapterById(model).layout(parseImageSize(image), layoutOptionsFromArgs(args));
}

/**
 * Completes an input with an adapter layout when the file carries none. When the file's N counts
 * only candidates the layout applies as is; when it counts structural tokens too (LLaVA-NeXT
 * newlines), the input is reduced to the candidate rows and `rows` maps results back.
 */
export function applyAdapterLayout(input: TokenInput, tl: TokenLayout): { input: TokenInput; rows?: Int32Array } {
  if (input.layout) return { input };
  const match = matchTokenCount(tl, tokenCount(input));
  if (match.kind === 'candidates') return { input: { ...input, layout: tl.layout, model: input.model ?? tl.model } };
  const rows = match.rows ?? tl.candidates;
  const pickVec = (v?: Float32Array) => (v ? Float32Array.from(rows, (r) => v[r]) : undefined);
  const pickMat = (m?: TokenInput['features']) => {
    if (!m) return undefined;
    const data = new Float32Array(rows.length * m.cols);
    rows.forEach((r, k) => data.set(m.data.subarray(r * m.cols, (r + 1) * m.cols), k * m.cols));
    return { rows: rows.length, cols: m.cols, data };
  };
  const reduced: TokenInput = {
    ...input,
    features: pickMat(input.features),
    keys: pickMat(input.keys),
    imageEmbeds: pickMat(input.imageEmbeds),
    attention: pickVec(input.attention),
    prior: pickVec(input.prior),
    clsAttention: pickVec(input.clsAttention),
    layout: tl.layout,
    model: input.model ?? tl.model,
  };
  for (const k of Object.keys(reduced) as (keyof TokenInput)[]) if (reduced[k] === undefined) delete reduced[k];
  return { input: reduced, rows };
}
