import { ShapeMismatchError, type Matrix } from '@d2pruner/core';
import { imageTokenIdOf } from './model-check.js';
import { float32Data, intData, tensorClassOf } from './tensors.js';
import type { ForwardInputs, LlavaModelLike, TensorConstructor, TensorLike } from './types.js';
import { encodeImages } from './vision.js';

/** A prefill's prompt and images merged the way transformers.js merges them, before any pruning. */
export interface MergedPrefill {
  /** Batch rows. */
  B: number;
  /** Prompt length (with every image placeholder). */
  S: number;
  /** Embedding width. */
  d: number;
  /** Token ids, row-major [B·S]. */
  ids: number[];
  /** The image placeholder id. */
  imageId: number;
  /** Merged embeddings [B, S, d]. */
  embeds: TensorLike;
  /** Their float32 values. */
  embedsData: Float32Array;
  /** Attention mask [B, T]. */
  mask: TensorLike;
  /** Projected image features, float32, [images·tokens·d]. */
  features: Float32Array;
  /** CLS attention [images·tokens], when the encoder exports it. */
  clsAttention?: Float32Array;
  /** The caller's transformers.js `Tensor` class. */
  Tensor: TensorConstructor;
  /** Text embedding + vision encoder + merge, ms. */
  encodeMs: number;
}

/** Embeds the prompt, encodes the images and merges them with the model's own merge function. */
export async function mergePrefill(m: LlavaModelLike, merge: LlavaModelLike['_merge_input_ids_with_image_features'], inputs: ForwardInputs, clsOutput: string): Promise<MergedPrefill> {
  const t0 = performance.now();
  const inputIds = inputs.input_ids as TensorLike;
  const [B, S] = inputIds.dims;
  const textEmbeds = await m.encode_text({ input_ids: inputIds });
  const images = await encodeImages(m, inputs.pixel_values as TensorLike, clsOutput);
  const ids = intData(inputIds);
  const imageId = imageTokenIdOf(m);
  checkPlaceholders(ids, imageId, images.features);
  const merged = merge.call(m, { image_features: images.features, inputs_embeds: textEmbeds, input_ids: inputIds, attention_mask: inputs.attention_mask });
  const embeds = merged.inputs_embeds;
  const Tensor = tensorClassOf(embeds);
  const mask = merged.attention_mask ?? new Tensor('int64', new BigInt64Array(B * S).fill(1n), [B, S]);
  return {
    B,
    S,
    d: embeds.dims[2],
    ids,
    imageId,
    embeds,
    embedsData: float32Data(embeds, 'inputs_embeds'),
    mask,
    features: float32Data(images.features, 'image_features'),
    clsAttention: images.clsAttention,
    Tensor,
    encodeMs: performance.now() - t0,
  };
}

/**
 * The prompt's image placeholders must match the visual tokens the images give (one placeholder
 * per image, expanded by the processor); else SHAPE_MISMATCH `prompt`, instead of the merge's
 * untyped error or a silently misaligned selection.
 */
function checkPlaceholders(ids: readonly number[], imageId: number, features: TensorLike): void {
  const rows = features.dims.slice(0, -1).reduce((a, b) => a * b, 1);
  let placeholders = 0;
  for (const id of ids) if (id === imageId) placeholders++;
  if (placeholders !== rows) {
    throw new ShapeMismatchError('prompt', `the prompt holds ${placeholders} image placeholder tokens but the images give ${rows} visual tokens; put exactly one image placeholder per image in the prompt`);
  }
}

/** Image runs of one row: maximal runs of the placeholder id. */
export function runsOf(ids: readonly number[], imageTokenId: number): { start: number; length: number }[] {
  const runs: { start: number; length: number }[] = [];
  for (let i = 0; i < ids.length; ) {
    if (ids[i] !== imageTokenId) {
      i++;
      continue;
    }
    let j = i;
    while (j < ids.length && ids[j] === imageTokenId) j++;
    runs.push({ start: i, length: j - i });
    i = j;
  }
  return runs;
}

/** Rows `positions` of a [S, width] block starting at `offset` in `data`, as a matrix. */
export function rowsAt(data: Float32Array, offset: number, width: number, positions: readonly number[]): Matrix {
  const out = new Float32Array(positions.length * width);
  positions.forEach((p, j) => out.set(data.subarray(offset + p * width, offset + (p + 1) * width), j * width));
  return { rows: positions.length, cols: width, data: out };
}

/** Sequence positions of a row that are not image placeholders. */
export function textPositions(row: readonly number[], imageTokenId: number): number[] {
  return row.map((id, i) => (id === imageTokenId ? -1 : i)).filter((i) => i >= 0);
}
