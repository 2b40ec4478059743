import { mkdir, stat } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { InvalidArgumentError } from '@d2pruner/core';
import { writeFailure } from './output-path.js';

function cannotWriteError(field: string, path: string, why: string): InvalidArgumentError {
  return new InvalidArgumentError(field, `cannot write the folder '${path}': ${why}`);
}

/**
 * Creates the output folder `path` (and its missing parents) of positional or flag `field`, one
 * level at a time. A folder that cannot be made — a file in its way, no permission, a read-only
 * or virtual file system such as `/proc` (where a recursive `mkdir` never returns) — is the typed
 * output error naming `field` (exit 2), raised before any work is done.
 */
export async function ensureOutputDir(path: string, field: string): Promise<void> {
  const missing: string[] = [];
  for (let p = resolve(path); ; p = dirname(p)) {
    const s = await stat(p).catch((e: NodeJS.ErrnoException) => e.code ?? 'EIO');
    if (typeof s !== 'string') {
      if (!s.isDirectory()) throw cannotWriteError(field, path, p === resolve(path) ? 'it is not a directory' : writeFailure('ENOTDIR')!);
      break;
    }
    if (s === 'ENOTDIR') throw cannotWriteError(field, path, writeFailure(s)!);
    if (s !== 'ENOENT' || dirname(p) === p) throw cannotWriteError(field, path, writeFailure(s) ?? s);
    missing.push(p);
  }
  for (const p of missing.reverse()) {
    try {
      await mkdir(p);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code ?? 'EIO';
      if (code !== 'EEXIST') throw cannotWriteError(field, path, writeFailure(code) ?? code);
    }
  }
}
