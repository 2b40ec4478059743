import { CorruptFileError, InvalidInputError } from '@d2pruner/core';

/** Image formats whose pixel size the page reads from the header, before decoding. */
export type ImageFormat = 'png' | 'jpeg' | 'webp';

/** An image's declared size: what a decoder would allocate (× 4 bytes per pixel). */
export interface ImageHeader {
  format: ImageFormat;
  width: number;
  height: number;
}

/** JPEG segments walked looking for the frame header (a real file has a few dozen). */
const MAX_JPEG_SEGMENTS = 4096;

async function readAt(file: Blob, offset: number, length: number): Promise<Uint8Array> {
  return new Uint8Array(await file.slice(offset, offset + length).arrayBuffer());
}

const ascii = (b: Uint8Array, at: number, n: number) => String.fromCharCode(...b.subarray(at, at + n));
const be16 = (b: Uint8Array, at: number) => (b[at] << 8) | b[at + 1];
const le16 = (b: Uint8Array, at: number) => b[at] | (b[at + 1] << 8);
const le24 = (b: Uint8Array, at: number) => b[at] | (b[at + 1] << 8) | (b[at + 2] << 16);

function truncated(format: string): CorruptFileError {
  return new CorruptFileError('image', `the ${format} header is truncated or malformed`);
}

/** PNG: the IHDR chunk, which must come first (width and height, 4 bytes each, big-endian). */
function png(head: Uint8Array): ImageHeader {
  if (head.length < 24 || ascii(head, 12, 4) !== 'IHDR') throw truncated('PNG');
  const view = new DataView(head.buffer, head.byteOffset, head.byteLength);
  return { format: 'png', width: view.getUint32(16), height: view.getUint32(20) };
}

/** WebP: the first chunk, `VP8 ` (lossy), `VP8L` (lossless) or `VP8X` (extended: the canvas size). */
function webp(head: Uint8Array): ImageHeader {
  const chunk = ascii(head, 12, 4);
  if (chunk === 'VP8 ' && head.length >= 30 && head[23] === 0x9d && head[24] === 0x01 && head[25] === 0x2a) {
    return { format: 'webp', width: le16(head, 26) & 0x3fff, height: le16(head, 28) & 0x3fff };
  }
  if (chunk === 'VP8L' && head.length >= 25 && head[20] === 0x2f) {
    const bits = head[21] | (head[22] << 8) | (head[23] << 16) | (head[24] << 24);
    return { format: 'webp', width: (bits & 0x3fff) + 1, height: ((bits >>> 14) & 0x3fff) + 1 };
  }
  if (chunk === 'VP8X' && head.length >= 30) return { format: 'webp', width: le24(head, 24) + 1, height: le24(head, 27) + 1 };
  throw truncated('WebP');
}

const isSof = (m: number) => m >= 0xc0 && m <= 0xcf && m !== 0xc4 && m !== 0xc8 && m !== 0xcc;

/** JPEG: walks the segments to the first frame header (SOFn: precision, height, width). */
async function jpeg(file: Blob): Promise<ImageHeader> {
  let at = 2;
  for (let k = 0; k < MAX_JPEG_SEGMENTS; k++) {
    const b = await readAt(file, at, 9);
    if (b.length < 2 || b[0] !== 0xff) throw truncated('JPEG');
    const marker = b[1];
    if (marker === 0xff) at += 1; // fill byte
    else if (marker === 0x01 || (marker >= 0xd0 && marker <= 0xd8)) at += 2; // markers without a length
    else if (marker === 0xd9 || marker === 0xda) throw new CorruptFileError('image', 'the JPEG has no frame header before its image data');
    else if (b.length < 4 || be16(b, 2) < 2) throw truncated('JPEG');
    else if (isSof(marker)) {
      if (b.length < 9) throw truncated('JPEG');
      return { format: 'jpeg', width: be16(b, 7), height: be16(b, 5) };
    } else at += 2 + be16(b, 2);
  }
  throw new CorruptFileError('image', `the JPEG has no frame header in its first ${MAX_JPEG_SEGMENTS} segments`);
}

/**
 * The declared pixel size of a PNG, JPEG or WebP image, read from its header (a few bytes; a
 * JPEG's segments are skipped by their lengths) without decoding it. Other formats are
 * `INVALID_INPUT` (field `image`); a truncated or malformed header is `CORRUPT_FILE` (field `image`).
 */
export async function readImageHeader(file: Blob): Promise<ImageHeader> {
  const head = await readAt(file, 0, 32);
  if (head.length >= 8 && head[0] === 0x89 && ascii(head, 1, 3) === 'PNG' && head[4] === 0x0d && head[5] === 0x0a && head[6] === 0x1a && head[7] === 0x0a) return png(head);
  if (head.length >= 3 && head[0] === 0xff && head[1] === 0xd8 && head[2] === 0xff) return jpeg(file);
  if (head.length >= 16 && ascii(head, 0, 4) === 'RIFF' && ascii(head, 8, 4) === 'WEBP') return webp(head);
  throw new InvalidInputError('image', 'not a PNG, JPEG or WebP image (the formats whose size the page checks before decoding)');
}
