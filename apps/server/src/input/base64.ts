import { InvalidInputError } from '@d2pruner/core';

/**
 * Decodes base64 (standard or URL-safe alphabet, padding optional, whitespace ignored). Text
 * that is not base64 is `INVALID_INPUT` naming `field` and saying so — Node's decoder would
 * silently skip the bad characters — and so is an empty payload.
 */
export function decodeBase64(text: string, field: string, what: string): Uint8Array {
  const s = text.replace(/\s+/g, '');
  if (!/^[A-Za-z0-9+/_-]*={0,2}$/.test(s) || s.length % 4 === 1) throw new InvalidInputError(field, `${field} is not valid base64 (${what})`);
  if (s.length === 0) throw new InvalidInputError(field, `${field} is empty (${what})`);
  return new Uint8Array(Buffer.from(s, 'base64'));
}
