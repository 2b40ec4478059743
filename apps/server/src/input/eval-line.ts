import { InvalidInputError } from '@d2pruner/core';
import { bytesFromDataUrl } from './batch-line.js';
import { checkSafetensorsCaps, type InputCaps } from './caps.js';
import { checkJsonLine } from './json-scan.js';

/** One line of `POST /v1/eval`: a bundled sample by name, or a labelled file's bytes under its label. */
export type EvalLine = { sample: string } | { name: string; bytes: Uint8Array };

/**
 * Parses one line of `POST /v1/eval` (docs/eval.md §1): `{"input":"SAMPLE"}` or
 * `{"input":"data:…;base64,…","name":"x"}` (label: `name`, else `fallbackName`). The structure
 * is bounded before `JSON.parse` and the file's shapes are checked against the caps before it is
 * decoded. Throws a `SyntaxError` for text that is not JSON, else the typed errors naming the field.
 */
export function parseEvalLine(text: string, caps: InputCaps, fallbackName: string): EvalLine {
  checkJsonLine(text, caps);
  const o = JSON.parse(text) as { input?: unknown; name?: unknown };
  if (typeof o !== 'object' || o === null || typeof o.input !== 'string' || o.input === '') throw new InvalidInputError('input', 'a line needs "input": a sample name or a data: URL of a labelled safetensors file');
  if (!o.input.startsWith('data:')) return { sample: o.input };
  const bytes = bytesFromDataUrl(o.input);
  checkSafetensorsCaps(bytes, caps);
  return { name: typeof o.name === 'string' && o.name !== '' ? o.name : fallbackName, bytes };
}
