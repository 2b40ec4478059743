import { closeSync, constants, fstatSync, openSync, readSync, type Stats } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { InvalidInputError, isD2PrunerError } from '@d2pruner/core';

/** Largest file the readers take by default: 1 GiB (a token file of N 16384 × D 4096 in F32 is 256 MiB). */
export const MAX_INPUT_FILE_BYTES = 2 ** 30;

/** Options of {@link readRegularFile}. */
export interface ReadFileOptions {
  /** The field errors name (default `input`). */
  field?: string;
  /** Largest size accepted (default {@link MAX_INPUT_FILE_BYTES}). */
  maxBytes?: number;
  /** Cancels the read. */
  signal?: AbortSignal;
  /** Gives the buffer to read into, of exactly `size` bytes (default: a fresh one). */
  allocate?: (size: number) => Uint8Array;
}

function kindOf(stat: { isDirectory(): boolean; isFIFO(): boolean; isCharacterDevice(): boolean; isBlockDevice(): boolean; isSocket(): boolean }): string {
  if (stat.isDirectory()) return 'a directory';
  if (stat.isFIFO()) return 'a FIFO (named pipe)';
  if (stat.isCharacterDevice() || stat.isBlockDevice()) return 'a device';
  if (stat.isSocket()) return 'a socket';
  return 'not a regular file';
}

/** A read failure as a typed error naming `field` (an abort stays an abort). */
export function readError(path: string, e: unknown, field: string): unknown {
  if (isD2PrunerError(e)) return e;
  const code = (e as NodeJS.ErrnoException | null)?.code;
  if (code === 'ABORT_ERR' || (e as Error | null)?.name === 'AbortError') return e;
  if (code === 'ENOENT') return new InvalidInputError(field, `cannot read '${path}': no such file`);
  if (code === 'EISDIR') return new InvalidInputError(field, `cannot read '${path}': it is a directory`);
  if (code === 'EACCES' || code === 'EPERM') return new InvalidInputError(field, `cannot read '${path}': permission denied`);
  if (typeof code === 'string') return new InvalidInputError(field, `cannot read '${path}': ${code}`);
  return e;
}

/** The size of an opened file when it is a regular file of at most `maxBytes`; else INVALID_INPUT naming `field`. */
function regularSize(path: string, stat: Stats, field: string, maxBytes: number): number {
  if (!stat.isFile()) throw new InvalidInputError(field, `cannot read '${path}': it is ${kindOf(stat)}; give a regular file`);
  if (stat.size > maxBytes) throw new InvalidInputError(field, `'${path}' has ${stat.size} bytes; files of at most ${maxBytes} bytes are read`);
  return stat.size;
}

/**
 * Opens a file for reading only when it is a regular file of at most `maxBytes`: it is opened
 * non-blocking (a FIFO cannot hang the open) and checked with fstat before a byte is read, so
 * `/dev/zero`, FIFOs, sockets and directories are `INVALID_INPUT` naming `field`, as is a file
 * over the cap. Returns the open handle and its size; the caller closes it.
 */
export async function openRegularFile(path: string, options: ReadFileOptions = {}): Promise<{ handle: FileHandle; size: number }> {
  const field = options.field ?? 'input';
  const maxBytes = options.maxBytes ?? MAX_INPUT_FILE_BYTES;
  let handle: FileHandle;
  try {
    handle = await open(path, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (e) {
    throw readError(path, e, field);
  }
  try {
    return { handle, size: regularSize(path, await handle.stat(), field, maxBytes) };
  } catch (e) {
    await handle.close();
    throw readError(path, e, field);
  }
}

/**
 * Reads a whole regular file (see {@link openRegularFile} for what is refused) with one
 * positioned read of its size: never more than the size fstat gave, so a file that grows while
 * it is read cannot make the reader allocate more.
 */
export async function readRegularFile(path: string, options: ReadFileOptions = {}): Promise<Uint8Array> {
  options.signal?.throwIfAborted();
  const { handle, size } = await openRegularFile(path, options);
  try {
    const out = options.allocate ? options.allocate(size) : Buffer.allocUnsafeSlow(size); // not zero-filled: every byte is read over
    let at = 0;
    while (at < size) {
      options.signal?.throwIfAborted();
      const { bytesRead } = await handle.read(out, at, size - at, at);
      if (bytesRead === 0) break;
      at += bytesRead;
    }
    return at === size ? out : out.subarray(0, at);
  } catch (e) {
    throw readError(path, e, options.field ?? 'input');
  } finally {
    await handle.close();
  }
}

/**
 * {@link readRegularFile} on the calling thread, blocking: the same checks and errors, the copy
 * done by this thread (into its own cache) instead of a libuv pool thread. For a worker thread
 * that has nothing else to do meanwhile; never for an event loop that serves others.
 */
export function readRegularFileSync(path: string, options: ReadFileOptions = {}): Uint8Array {
  const field = options.field ?? 'input';
  const maxBytes = options.maxBytes ?? MAX_INPUT_FILE_BYTES;
  options.signal?.throwIfAborted();
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (e) {
    throw readError(path, e, field);
  }
  try {
    const size = regularSize(path, fstatSync(fd), field, maxBytes);
    const out = options.allocate ? options.allocate(size) : Buffer.allocUnsafeSlow(size);
    let at = 0;
    while (at < size) {
      const n = readSync(fd, out, at, size - at, at);
      if (n === 0) break;
      at += n;
    }
    return at === size ? out : out.subarray(0, at);
  } catch (e) {
    throw readError(path, e, field);
  } finally {
    closeSync(fd);
  }
}
