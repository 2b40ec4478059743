import { readImageHeader } from './header.js';
import { checkImageSize } from './limits.js';

/**
 * Decodes a dropped image for drawing under the token grid: its declared size is read from the
 * header and checked ({@link checkImageSize}) before a pixel is decoded. If `signal` aborts while
 * it decodes (a newer job replaced this one), the bitmap is closed and the promise rejects with
 * the abort reason. `decode` is `createImageBitmap` (a parameter for tests).
 */
export async function loadImage(file: Blob, signal?: AbortSignal, decode: (file: Blob) => Promise<ImageBitmap> = (f) => createImageBitmap(f)): Promise<ImageBitmap> {
  checkImageSize(await readImageHeader(file));
  signal?.throwIfAborted();
  const bitmap = await decode(file);
  if (signal?.aborted) {
    bitmap.close();
    signal.throwIfAborted();
  }
  return bitmap;
}
