import { InvalidArgumentError, InvalidInputError, type TokenInput } from '@d2pruner/core';
import type { PruneRequest } from '@d2pruner/pipeline';
import type { Static } from 'typebox';
import { Compile } from 'typebox/compile';
import { validationError } from '../http-error.js';
import { BatchLineSchema } from '../schemas/bodies.js';
import { schemaErrors } from '../schemas/errors.js';
import { decodeBase64 } from './base64.js';
import { checkSafetensorsCaps, type InputCaps } from './caps.js';
import { tokenInputFromJson } from './json-input.js';
import { checkJsonLine } from './json-scan.js';
import { gridFromText } from './request.js';

/** Decodes a `data:[mime][;base64],…` URL holding a safetensors file. */
export function bytesFromDataUrl(url: string, field = 'input'): Uint8Array {
  const comma = url.indexOf(',');
  if (!url.startsWith('data:') || comma < 0 || !url.slice(0, comma).endsWith(';base64')) {
    throw new InvalidInputError(field, 'a data URL input must be base64: data:application/octet-stream;base64,…');
  }
  return decodeBase64(url.slice(comma + 1), field, 'a data: URL of a safetensors file');
}

const checkLine = Compile(BatchLineSchema);

/**
 * Parses one line of `POST /v1/prune/batch` (docs/formats.md §3, server form), checked against
 * {@link BatchLineSchema} (the schema `/openapi.json` documents): `input` is a bundled sample
 * name (read through the pipeline's file reader), a `data:…;base64,` URL of a safetensors file,
 * or an inline JSON input (`{"features":…,"attention":…,"layout":…}`); `method`, `keep` |
 * `ratio`, `params`, `backend`, `grid` and `id` as in the CLI's batch lines. A line nested
 * deeper than 64 or not JSON is `INVALID_INPUT` naming `line`; a field against the schema is
 * a typed error naming it. File paths are not accepted: the server reads no client-named files.
 */
export function parseBatchLine(text: string, caps: InputCaps): PruneRequest {
  checkJsonLine(text, caps);
  let o: Static<typeof BatchLineSchema>;
  try {
    o = JSON.parse(text) as Static<typeof BatchLineSchema>;
  } catch {
    throw new InvalidInputError('line', 'the request line is not valid JSON');
  }
  if (!checkLine.Check(o)) {
    const e = validationError({ validation: schemaErrors(BatchLineSchema, o), validationContext: 'line' });
    throw e.code === 'INVALID_ARGUMENT' ? new InvalidArgumentError(e.field, e.message) : new InvalidInputError(e.field, e.message);
  }
  let input: string | Uint8Array | TokenInput;
  if (typeof o.input === 'string' && o.input.startsWith('data:')) {
    input = bytesFromDataUrl(o.input);
    checkSafetensorsCaps(input, caps);
  } else if (typeof o.input === 'string') {
    input = o.input;
  } else {
    input = tokenInputFromJson(o.input as Record<string, unknown>, caps);
  }
  const request: PruneRequest = { input };
  if (o.id !== undefined) request.id = o.id;
  if (o.method !== undefined) request.method = o.method;
  if (o.keep !== undefined) request.keep = o.keep;
  if (o.ratio !== undefined) request.ratio = o.ratio;
  if (o.params !== undefined) request.params = o.params as Record<string, unknown>;
  if (o.backend !== undefined) request.backend = o.backend;
  if (o.grid !== undefined) request.layout = gridFromText(o.grid, 'grid', caps.maxTokens);
  return request;
}
