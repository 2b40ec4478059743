import { constants, type Stats } from 'node:fs';
import { access, stat } from 'node:fs/promises';
import { dirname } from 'node:path';
import { InvalidArgumentError } from '@d2pruner/core';

/** The typed error of an output flag that cannot be written: `INVALID_ARGUMENT` naming `field`. */
export function cannotWriteError(field: string, path: string, why: string): InvalidArgumentError {
  return new InvalidArgumentError(field, `cannot write --${field} '${path}': ${why}`);
}

/** Why `code` (an errno code) keeps a file from being written, in the words of the output errors. */
export function writeFailure(code: string | undefined): string | undefined {
  if (code === 'ENOENT') return 'its folder does not exist';
  if (code === 'EACCES' || code === 'EPERM') return 'permission denied';
  if (code === 'EISDIR') return 'it is a directory';
  if (code === 'ENOTDIR') return 'its folder is not a directory';
  return undefined;
}

/** The stat of `path`, or the errno code that keeps it from being read. */
async function statOf(path: string): Promise<Stats | string> {
  try {
    return await stat(path);
  } catch (e) {
    return (e as NodeJS.ErrnoException).code ?? 'EIO';
  }
}

/**
 * Checks, before a command does its work, that the output file `path` of flag `field` can be
 * written: its folder exists, is a directory and is writable, and the path is not a directory.
 * Otherwise the same typed error as a failed write (exit 2 naming `field`), so `eval --report`,
 * `prune --out` or `calibrate --out` fail at once instead of after the whole run. The write
 * itself still reports what changes in between.
 */
export async function checkOutputPath(path: string, field = 'out'): Promise<void> {
  const fail = (code: string) => cannotWriteError(field, path, writeFailure(code) ?? code);
  const folder = await statOf(dirname(path));
  if (typeof folder === 'string') throw fail(folder);
  if (!folder.isDirectory()) throw fail('ENOTDIR');
  const target = await statOf(path);
  if (typeof target !== 'string' && target.isDirectory()) throw fail('EISDIR');
  try {
    await access(dirname(path), constants.W_OK);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'EACCES' || code === 'EPERM') throw fail(code);
  }
}
