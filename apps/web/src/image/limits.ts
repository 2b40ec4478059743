import { InvalidInputError } from '@d2pruner/core';
import type { ImageHeader } from './header.js';

/** Most pixels a dropped image may declare: 2²⁶ (8192 × 8192), 256 MiB once decoded to RGBA. */
export const MAX_IMAGE_PIXELS = 2 ** 26;

/** Longest side a dropped image may declare (a canvas's usual limit). */
export const MAX_IMAGE_SIDE = 16384;

/** A dropped image declares more pixels than the page decodes (a "decompression bomb" or a huge scan). */
export class ImageTooLargeError extends InvalidInputError {
  /** @param width declared width @param height declared height */
  constructor(
    readonly width: number,
    readonly height: number,
  ) {
    super(
      'image',
      `the image declares ${width}×${height} pixels; at most ${MAX_IMAGE_PIXELS} pixels (8192×8192) and ${MAX_IMAGE_SIDE} a side, checked before decoding`,
    );
  }
}

/**
 * Throws {@link ImageTooLargeError} when the declared size exceeds {@link MAX_IMAGE_PIXELS} or
 * {@link MAX_IMAGE_SIDE}, and `INVALID_INPUT` (field `image`) for an empty image.
 */
export function checkImageSize(header: Pick<ImageHeader, 'width' | 'height'>): void {
  const { width, height } = header;
  if (width < 1 || height < 1) throw new InvalidInputError('image', `the image declares ${width}×${height} pixels`);
  if (width > MAX_IMAGE_SIDE || height > MAX_IMAGE_SIDE || width * height > MAX_IMAGE_PIXELS) throw new ImageTooLargeError(width, height);
}
