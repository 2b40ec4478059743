import { InvalidInputError, type TokenInput } from '@d2pruner/core';
import { parseLineObject, type PruneRequest } from '@d2pruner/pipeline';
import { decodeBase64 } from './base64.js';
import { checkSafetensorsCaps, type InputCaps } from './caps.js';
import { tokenInputFromJson } from './json-input.js';
import { gridFromText } from './request.js';

const KNOWN = new Set(['id', 'input', 'method', 'keep', 'ratio', 'params', 'backend', 'grid']);

/** Decodes a `data:[mime][;base64],…` URL holding a safetensors file. */
export function bytesFromDataUrl(url: string, field = 'input'): Uint8Array {
  const comma = url.indexOf(',');
  if (!url.startsWith('data:') || comma < 0 || !url.slice(0, comma).endsWith(';base64')) {
    throw new InvalidInputError(field, 'a data URL input must be base64: data:application/octet-stream;base64,…');
  }
  return decodeBase64(url.slice(comma + 1), field, 'a data: URL of a safetensors file');
}

/**
 * Parses one line of `POST /v1/prune/batch` (docs/formats.md §3, server form): `input` is a bundled
 * sample name (read through the pipeline's file reader), a `data:…;base64,` URL of a
 * safetensors file, or an inline JSON input (`{"features":…,"attention":…,"layout":…}`).
 * `method`, `keep` | `ratio`, `params`, `backend`, `grid` and `id` as in the CLI's batch lines.
 * File paths are not accepted: the server reads no client-named files.
 */
export function parseBatchLine(text: string, caps: InputCaps): PruneRequest {
  const o = parseLineObject(text, KNOWN);
  let input: string | Uint8Array | TokenInput;
  if (typeof o.input === 'string' && o.input.startsWith('data:')) {
    input = bytesFromDataUrl(o.input);
    checkSafetensorsCaps(input, caps);
  } else if (typeof o.input === 'string' && o.input !== '') {
    input = o.input;
  } else if (typeof o.input === 'object' && o.input !== null && !Array.isArray(o.input)) {
    input = tokenInputFromJson(o.input as Record<string, unknown>, caps);
  } else {
    throw new InvalidInputError('input', 'a request needs "input": a sample name, a data: URL of a safetensors file, or an inline {"features","attention",…} object');
  }
  const request: PruneRequest = { input };
  if (o.id !== undefined) {
    if (typeof o.id !== 'string' && typeof o.id !== 'number') throw new InvalidInputError('id', '"id" must be a string or a number');
    request.id = o.id;
  }
  for (const k of ['method', 'backend', 'grid'] as const) {
    if (o[k] !== undefined && typeof o[k] !== 'string') throw new InvalidInputError(k, `"${k}" must be a string`);
  }
  for (const k of ['keep', 'ratio'] as const) {
    if (o[k] !== undefined && typeof o[k] !== 'number') throw new InvalidInputError(k, `"${k}" must be a number`);
  }
  if (o.params !== undefined && (typeof o.params !== 'object' || o.params === null || Array.isArray(o.params))) throw new InvalidInputError('params', '"params" must be an object');
  if (o.method !== undefined) request.method = o.method as string;
  if (o.keep !== undefined) request.keep = o.keep as number;
  if (o.ratio !== undefined) request.ratio = o.ratio as number;
  if (o.params !== undefined) request.params = o.params as Record<string, unknown>;
  if (o.backend !== undefined) request.backend = o.backend as string;
  if (o.grid !== undefined) request.layout = gridFromText(o.grid as string, 'grid', caps.maxTokens);
  return request;
}
