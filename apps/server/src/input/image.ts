import { InvalidInputError } from '@d2pruner/core';
import { HttpError } from '../http-error.js';
import { decodeBase64 } from './base64.js';

/** Image formats `POST /v1/generate` accepts. */
export type ImageFormat = 'png' | 'jpeg';

/** An encoded image from a request, checked (format and size) but not decoded. */
export interface EncodedImage {
  /** The file's bytes. */
  bytes: Uint8Array;
  /** What the bytes are (from their signature, not from a declared type). */
  format: ImageFormat;
  /** Width in pixels (from the PNG IHDR / JPEG SOF header). */
  width: number;
  /** Height in pixels. */
  height: number;
}

/** Largest image accepted, in pixels (4096²): the decoded RGB would take 48 MiB. LLaVA resizes to 336² anyway. */
export const MAX_IMAGE_PIXELS = 4096 * 4096;

/** Media types a `data:` URL may declare (besides none). */
const IMAGE_MEDIA_TYPES: ReadonlySet<string> = new Set(['image/png', 'image/jpeg', 'image/jpg', 'application/octet-stream']);

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

const bad = (field: string, message: string) => new InvalidInputError(field, message);

function u16(b: Uint8Array, at: number): number {
  return (b[at] << 8) | b[at + 1];
}

function u32(b: Uint8Array, at: number): number {
  return ((b[at] << 24) >>> 0) + ((b[at + 1] << 16) | (b[at + 2] << 8) | b[at + 3]);
}

/** Width and height from a PNG's IHDR chunk (right after the signature). */
function pngSize(b: Uint8Array, field: string): { width: number; height: number } {
  const ihdr = String.fromCharCode(...b.subarray(12, 16));
  if (b.length < 24 || ihdr !== 'IHDR') throw bad(field, `${field} is a truncated or corrupt PNG (no IHDR chunk)`);
  return { width: u32(b, 16), height: u32(b, 20) };
}

/** Width and height from a JPEG's first SOFn segment (segments are walked from the start). */
function jpegSize(b: Uint8Array, field: string): { width: number; height: number } {
  let i = 2;
  while (i + 4 <= b.length) {
    if (b[i] !== 0xff) throw bad(field, `${field} is a corrupt JPEG (no marker at byte ${i})`);
    const marker = b[i + 1];
    if (marker === 0xff) {
      i++;
      continue;
    }
    if (marker === 0x01 || (marker >= 0xd0 && marker <= 0xd7)) {
      i += 2;
      continue;
    }
    const length = u16(b, i + 2);
    const isSof = marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc;
    if (isSof) {
      if (i + 9 > b.length) break;
      return { height: u16(b, i + 5), width: u16(b, i + 7) };
    }
    if (marker === 0xda || marker === 0xd9 || length < 2) break;
    i += 2 + length;
  }
  throw bad(field, `${field} is a truncated or corrupt JPEG (no frame header before the image data)`);
}

/** The bytes of a base64 string (standard or URL-safe alphabet, whitespace ignored); a typed error when it is not base64. */
/**
 * Reads the request's image: a base64 PNG/JPEG or a `data:image/png;base64,…` URL. The format
 * comes from the file signature, the size from its header; other formats, truncated headers,
 * empty or zero-sized images are `INVALID_INPUT image` (422), images above `maxPixels` are
 * `PAYLOAD_TOO_LARGE image` (413), all before anything is decoded.
 */
export function imageFromRequest(value: unknown, field = 'image', maxPixels = MAX_IMAGE_PIXELS): EncodedImage {
  if (typeof value !== 'string' || value.trim() === '') throw bad(field, `"${field}" must be a base64 PNG/JPEG or a data: URL (data:image/png;base64,…)`);
  let payload = value;
  if (value.startsWith('data:')) {
    const comma = value.indexOf(',');
    if (comma < 0) throw bad(field, `${field} is a data: URL without a comma`);
    const [type, ...flags] = value.slice(5, comma).split(';');
    if (!flags.includes('base64')) throw bad(field, `${field} must be a base64 data: URL (data:image/png;base64,…)`);
    if (type !== '' && !IMAGE_MEDIA_TYPES.has(type.toLowerCase())) throw bad(field, `${field} is a data: URL of type '${type}'; send a PNG or JPEG`);
    payload = value.slice(comma + 1);
  }
  const bytes = decodeBase64(payload, field, 'a PNG or JPEG file, or a data: URL');
  let format: ImageFormat;
  let size: { width: number; height: number };
  if (bytes.length >= 8 && PNG_SIGNATURE.every((v, i) => bytes[i] === v)) {
    format = 'png';
    size = pngSize(bytes, field);
  } else if (bytes.length >= 3 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) {
    format = 'jpeg';
    size = jpegSize(bytes, field);
  } else {
    throw bad(field, `${field} is neither a PNG nor a JPEG file (by its first bytes)`);
  }
  if (size.width === 0 || size.height === 0) throw bad(field, `${field} has a zero size (${size.width}×${size.height})`);
  if (size.width * size.height > maxPixels) {
    throw new HttpError('PAYLOAD_TOO_LARGE', field, `${field} is ${size.width}×${size.height} pixels, more than ${maxPixels}; resize it (LLaVA sees 336×336)`);
  }
  return { bytes, format, ...size };
}
