import type { PlaceholderIds, SpanOptions, VisualSpan } from './adapter.js';
import { InvalidArgumentError, InvalidInputError, ShapeMismatchError } from './errors.js';

function toIds(inputIds: ArrayLike<number | bigint>): number[] {
  const ids = new Array<number>(inputIds.length);
  for (let i = 0; i < inputIds.length; i++) {
    const v = Number(inputIds[i]);
    if (!Number.isInteger(v)) throw new InvalidInputError('inputIds', `inputIds[${i}] must be an integer, got ${String(inputIds[i])}`);
    ids[i] = v;
  }
  return ids;
}

function perImage(tokensPerImage: SpanOptions['tokensPerImage'], image: number): number | undefined {
  if (tokensPerImage === undefined) return undefined;
  const v = typeof tokensPerImage === 'number' ? tokensPerImage : tokensPerImage[image];
  if (v === undefined) return undefined;
  if (!Number.isInteger(v) || v < 1) throw new InvalidArgumentError('tokensPerImage', `tokensPerImage for image ${image} must be a positive integer, got ${String(v)}`);
  return v;
}

/**
 * Finds the images' visual-token runs in `inputIds` (docs/models.md §7 item 1), never from hard-coded
 * offsets. Two conventions are recognised:
 * - a **sentinel** (original LLaVA `IMAGE_TOKEN_INDEX = −200`): each occurrence expands to that
 *   image's token count (`tokensPerImage`, else `fixedTokens`); spans are given in the expanded
 *   sequence's positions;
 * - a **repeated placeholder** (HF `image_token_index`, `<IMG_CONTEXT>`, `<|image_pad|>`): each
 *   maximal run is one image, unless `tokensPerImage` splits runs of adjacent images.
 * @param inputIds token ids (number or bigint)
 * @param ids the model's placeholder ids
 * @param options overrides and per-image counts
 * @param fixedTokens tokens per image when the model always produces the same count
 */
export function findVisualSpans(
  inputIds: ArrayLike<number | bigint>,
  ids: PlaceholderIds,
  options: SpanOptions = {},
  fixedTokens?: number,
): VisualSpan[] {
  const seq = toIds(inputIds);
  const sentinel = options.sentinelId ?? ids.sentinelId;
  const repeated = options.imageTokenId ?? ids.imageTokenId;
  const spans: VisualSpan[] = [];
  if (sentinel !== undefined && seq.includes(sentinel)) {
    let shift = 0;
    for (let i = 0; i < seq.length; i++) {
      if (seq[i] !== sentinel) continue;
      const image = spans.length;
      const length = perImage(options.tokensPerImage, image) ?? fixedTokens;
      if (length === undefined) {
        throw new InvalidArgumentError('tokensPerImage', `image ${image} is a single sentinel token (${sentinel}); pass tokensPerImage (the layout's token count) to expand it`);
      }
      spans.push({ image, start: i + shift, length, inputIndex: i });
      shift += length - 1;
    }
    return checkCount(spans, options);
  }
  for (let i = 0; i < seq.length; ) {
    if (seq[i] !== repeated) {
      i++;
      continue;
    }
    let j = i;
    while (j < seq.length && seq[j] === repeated) j++;
    let start = i;
    while (start < j) {
      const image = spans.length;
      const want = perImage(options.tokensPerImage, image);
      const length = want ?? j - start;
      if (start + length > j) {
        throw new ShapeMismatchError('inputIds', `image ${image} should have ${length} placeholder tokens but its run at ${start} has ${j - start}`);
      }
      spans.push({ image, start, length, inputIndex: start });
      start += length;
    }
    i = j;
  }
  return checkCount(spans, options);
}

function checkCount(spans: VisualSpan[], options: SpanOptions): VisualSpan[] {
  const t = options.tokensPerImage;
  if (t !== undefined && typeof t !== 'number' && t.length !== spans.length) {
    throw new ShapeMismatchError('tokensPerImage', `tokensPerImage lists ${t.length} images but the sequence has ${spans.length}`);
  }
  return spans;
}
