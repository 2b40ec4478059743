import { registerInternVLAdapters } from '@d2pruner/adapter-internvl';
import { registerLlavaAdapters } from '@d2pruner/adapter-llava';
import {
  InvalidArgumentError,
  getAdapter,
  matchTokenCount,
  parseImageSize,
  tokenCount,
  type AdapterOptions,
  type ImageSize,
  type ModelAdapter,
  type TokenInput,
  type TokenLayout,
} from '@d2pruner/core';
import { ADAPTER_FLAGS, withFlagNames } from './flag-fields.js';

/** Registers the built-in adapters (idempotent), so recorded model ids compare through their aliases. */
export function registerBuiltinAdapters(): void {
  registerLlavaAdapters();
  registerInternVLAdapters();
}

/** Registers the built-in adapters (idempotent) and looks one up by id or alias. */
export function adapterById(id: string): ModelAdapter {
  registerBuiltinAdapters();
  return withFlagNames(ADAPTER_FLAGS, () => getAdapter(id));
}

/** Layout options from the command line (`--max-tiles M`); only given flags are passed. */
export function layoutOptions(maxTiles: number | undefined): AdapterOptions | undefined {
  return maxTiles === undefined ? undefined : { maxTiles };
}

/** The `--model ID --image WxH [--max-tiles M]` options as commands declare them. */
export interface AdapterLayoutArgs {
  model?: string;
  image?: string;
  'max-tiles'?: number;
}

/**
 * The adapter layout for `--model ID --image WxH`, or undefined when neither is given. One
 * without the other, or `--max-tiles M` without them, is a typed error naming the flag rather
 * than silently ignored.
 */
export function adapterLayoutFromArgs(args: AdapterLayoutArgs): TokenLayout | undefined {
  const { model, image } = args;
  if (!model && !image && args['max-tiles'] !== undefined) throw new InvalidArgumentError('max-tiles', '--max-tiles M goes with --model ID --image WxH (it changes how the image is tiled)');
  if (!model && !image) return undefined;
  if (!model || !image) throw new InvalidArgumentError(model ? 'image' : 'model', '--model ID and --image WxH go together');
  return adapterLayout(model, parseImageSize(image), args['max-tiles']);
}

/** The layout adapter `model` gives an image of `size` (`--max-tiles M`), its errors naming the flags. */
export function adapterLayout(model: string, size: ImageSize, maxTiles: number | undefined): TokenLayout {
  const adapter = adapterById(model);
  return withFlagNames(ADAPTER_FLAGS, () => adapter.layout(size, layoutOptions(maxTiles)));
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
