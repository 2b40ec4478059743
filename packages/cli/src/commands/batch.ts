import { createReadStream } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { InvalidInputError, toErrorJson, type MethodParams } from '@d2pruner/core';
import type { CliIo } from '../io.js';
import { loadTokenFile } from '../load.js';
import { executeRequest } from '../request.js';

/** Options of {@link runBatch}. */
export interface BatchOptions {
  /** Default backend for lines that name none. */
  backend?: string;
}

interface BatchLine {
  input: string;
  method?: string;
  keep?: number;
  ratio?: number;
  params?: MethodParams;
  backend?: string;
}

function parseLine(text: string): BatchLine {
  let obj: unknown;
  try {
    obj = JSON.parse(text);
  } catch {
    throw new InvalidInputError('line', 'the request line is not valid JSON');
  }
  if (typeof obj !== 'object' || obj === null || Array.isArray(obj)) throw new InvalidInputError('line', 'a request line must be a JSON object');
  const o = obj as Record<string, unknown>;
  if (typeof o.input !== 'string' || !o.input) throw new InvalidInputError('input', 'a request needs "input": the path of a token file');
  if (o.method !== undefined && typeof o.method !== 'string') throw new InvalidInputError('method', '"method" must be a string');
  if (o.params !== undefined && (typeof o.params !== 'object' || o.params === null || Array.isArray(o.params))) {
    throw new InvalidInputError('params', '"params" must be an object');
  }
  if (o.backend !== undefined && typeof o.backend !== 'string') throw new InvalidInputError('backend', '"backend" must be a string');
  for (const k of ['keep', 'ratio'] as const) {
    if (o[k] !== undefined && typeof o[k] !== 'number') throw new InvalidInputError(k, `"${k}" must be a number`);
  }
  return o as unknown as BatchLine;
}

/**
 * `d2pruner prune --batch FILE.jsonl` (or `-`): one request per line, one result line per
 * request in order, an error line for a failed request while the batch goes on (formats.md §3).
 * Lines are read as a stream, so memory does not grow with the batch.
 */
export async function runBatch(source: string, io: CliIo, options: BatchOptions = {}): Promise<number> {
  const base = source === '-' ? process.cwd() : dirname(resolve(source));
  const stream = source === '-' ? io.stdin() : createReadStream(source);
  const lines = createInterface({ input: stream, crlfDelay: Infinity });
  let ok = 0;
  let failed = 0;
  let lineNo = 0;
  try {
    for await (const text of lines) {
      lineNo++;
      if (!text.trim()) continue;
      let out: string;
      try {
        const req = parseLine(text);
        const path = isAbsolute(req.input) ? req.input : resolve(base, req.input);
        const input = await loadTokenFile(io, path);
        const selection = await executeRequest(input, {
          method: req.method ?? 'd2pruner',
          keep: req.keep,
          ratio: req.ratio,
          params: req.params,
          backend: req.backend ?? options.backend,
        });
        out = JSON.stringify(selection);
        ok++;
      } catch (e) {
        out = JSON.stringify({ error: toErrorJson(e), line: lineNo });
        failed++;
      }
      await io.out(out + '\n');
    }
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') throw new InvalidInputError('batch', `cannot read ${source}: no such file`);
    throw e;
  }
  io.err(`batch: ${ok} ok, ${failed} failed\n`);
  return 0;
}
