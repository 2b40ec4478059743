import { InvalidInputError, checkJsonDepth, topLevelScalar } from '@d2pruner/core';
import type { PruneRequest } from '../job.js';

/** Whether a path is absolute (POSIX `/…`, Windows `C:\…`, UNC `\\…`) or a URL (`scheme://…`). */
export function isAbsolutePath(path: string): boolean {
  return path.startsWith('/') || path.startsWith('\\\\') || /^[A-Za-z]:[\\/]/.test(path) || /^[A-Za-z][A-Za-z0-9+.-]+:\/\//.test(path);
}

/**
 * Resolves a request path against the folder of the JSONL file (docs/formats.md §3): absolute paths
 * and URLs are kept, relative ones are joined to `baseDir` (kept relative when it is absent).
 */
export function resolveInputPath(path: string, baseDir?: string): string {
  if (!baseDir || isAbsolutePath(path)) return path;
  const sep = baseDir.includes('\\') && !baseDir.includes('/') ? '\\' : '/';
  return baseDir.endsWith('/') || baseDir.endsWith('\\') ? baseDir + path : baseDir + sep + path;
}

const KNOWN = new Set(['id', 'input', 'method', 'keep', 'ratio', 'params', 'backend']);

/**
 * Parses one request line as a JSON object whose fields are all in `known`; typed errors name
 * `line` (not JSON, not an object) or the unknown field. Shared by every batch front end.
 */
export function parseLineObject(text: string, known: ReadonlySet<string>): Record<string, unknown> {
  let obj: unknown;
  checkJsonDepth(text, 'line');
  try {
    obj = JSON.parse(text);
  } catch {
    throw new InvalidInputError('line', 'the request line is not valid JSON');
  }
  if (typeof obj !== 'object' || obj === null || Array.isArray(obj)) throw new InvalidInputError('line', 'a request line must be a JSON object');
  const o = obj as Record<string, unknown>;
  for (const k of Object.keys(o)) {
    if (!known.has(k)) throw new InvalidInputError(k, `unknown request field '${k}'; fields: ${[...known].join(', ')}`);
  }
  return o;
}

/**
 * The `id` of a request line, when the line is a JSON object whose `id` is a string or a
 * number; undefined otherwise (never throws). Error lines of requests that fail while being
 * parsed or read carry it, so a caller can match every answer to its request. Found by a scan
 * (`topLevelScalar`), not by parsing the line again: a line refused for its millions of keys
 * took seconds of `JSON.parse` and gigabytes here.
 */
export function requestIdOf(text: string): string | number | undefined {
  return topLevelScalar(text, 'id');
}

/**
 * Parses one batch line `{"input":"x.safetensors","method":"d2pruner","keep":64,"params":{…}}`
 * (docs/formats.md §3): `input` is required, `ratio` may replace `keep`, `backend` and `id` are
 * optional. The input path is resolved with `resolvePath`. Every malformed field is a typed
 * error naming it (the batch writes it as that request's error line).
 */
export function parseRequestLine(text: string, resolvePath: (path: string) => string = (p) => p): PruneRequest {
  const o = parseLineObject(text, KNOWN);
  if (typeof o.input !== 'string' || o.input === '') throw new InvalidInputError('input', 'a request needs "input": the path of a token file');
  if (o.method !== undefined && typeof o.method !== 'string') throw new InvalidInputError('method', '"method" must be a string');
  if (o.backend !== undefined && typeof o.backend !== 'string') throw new InvalidInputError('backend', '"backend" must be a string');
  if (o.params !== undefined && (typeof o.params !== 'object' || o.params === null || Array.isArray(o.params))) {
    throw new InvalidInputError('params', '"params" must be an object');
  }
  for (const k of ['keep', 'ratio'] as const) {
    if (o[k] !== undefined && typeof o[k] !== 'number') throw new InvalidInputError(k, `"${k}" must be a number`);
  }
  if (o.id !== undefined && typeof o.id !== 'string' && typeof o.id !== 'number') throw new InvalidInputError('id', '"id" must be a string or a number');
  // JSON numbers past ±1.8e308 parse to ±Infinity, echoed back as null; past 2^53 they lose digits: either way the result could not be matched to its request
  if (typeof o.id === 'number' && !(Math.abs(o.id) <= Number.MAX_SAFE_INTEGER)) throw new InvalidInputError('id', `"id" is a number beyond ±2^53, which does not come back as written (${String(o.id)}); give it as a string`);
  const request: PruneRequest = { input: resolvePath(o.input) };
  if (o.id !== undefined) request.id = o.id as string | number;
  if (o.method !== undefined) request.method = o.method as string;
  if (o.keep !== undefined) request.keep = o.keep as number;
  if (o.ratio !== undefined) request.ratio = o.ratio as number;
  if (o.params !== undefined) request.params = o.params as Record<string, unknown>;
  if (o.backend !== undefined) request.backend = o.backend as string;
  return request;
}
