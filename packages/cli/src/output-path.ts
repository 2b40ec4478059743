import { constants, type Stats } from 'node:fs';
import { access, realpath, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
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

/** The real path of `path`, or undefined when it cannot be resolved (a missing file). */
async function realOf(path: string): Promise<string | undefined> {
  try {
    return await realpath(path);
  } catch {
    return undefined;
  }
}

/**
 * The first of `inputs` that is the same file as the output `path`: the same real path (the real
 * folder plus the name, so `./r.st`, `dir/../r.st` or a linked folder match), or — when the
 * output exists — the same device and inode (a symlink or hard link to the input).
 */
async function sameFileAs(path: string, target: Stats | string, inputs: readonly (string | undefined)[]): Promise<string | undefined> {
  const folder = await realOf(dirname(path));
  const real = folder === undefined ? undefined : join(folder, basename(path));
  for (const input of inputs) {
    if (!input) continue;
    if (real !== undefined && (await realOf(input)) === real) return input;
    if (typeof target === 'string') continue;
    const s = await statOf(input);
    if (typeof s !== 'string' && s.dev === target.dev && s.ino === target.ino) return input;
  }
  return undefined;
}

/**
 * Checks, before a command does its work, that the output file `path` of flag `field` can be
 * written: its folder exists, is a directory and is writable, the path is not a directory, and
 * it is not one of the command's `inputs` (token files, `--prior`, `--image`: writing it would
 * destroy the input). Otherwise the same typed error as a failed write (exit 2 naming `field`),
 * so `eval --report`, `prune --out` or `calibrate --out` fail at once instead of after the whole
 * run. The write itself still reports what changes in between.
 */
export async function checkOutputPath(path: string, field = 'out', inputs: readonly (string | undefined)[] = []): Promise<void> {
  const fail = (code: string) => cannotWriteError(field, path, writeFailure(code) ?? code);
  const folder = await statOf(dirname(path));
  if (typeof folder === 'string') throw fail(folder);
  if (!folder.isDirectory()) throw fail('ENOTDIR');
  const target = await statOf(path);
  if (typeof target !== 'string' && target.isDirectory()) throw fail('EISDIR');
  const input = await sameFileAs(path, target, inputs);
  if (input !== undefined) throw cannotWriteError(field, path, `it is the input file '${input}'; writing it would overwrite the input`);
  try {
    await access(dirname(path), constants.W_OK);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'EACCES' || code === 'EPERM') throw fail(code);
  }
}
