import { writeFile } from 'node:fs/promises';
import { drainGate, drained, readRegularFile } from '@d2pruner/pipeline/node';

/** Where a command reads and writes. Injectable so tests run commands in-process. */
export interface CliIo {
  /** Writes to standard output. */
  out(text: string): void | Promise<void>;
  /**
   * Writes UTF-8 bytes to standard output (optional): batch result lines that are bytes already
   * (VisionZip's merged rows) are written with it, not made strings first; without it they go
   * through {@link out} as text.
   */
  outBytes?(bytes: Uint8Array): void | Promise<void>;
  /** Writes to standard error. */
  err(text: string): void;
  /** Reads a whole regular file (size-capped; see `readRegularFile`), errors naming `field`. */
  readFile(path: string, field?: string): Promise<Uint8Array>;
  /** Writes a whole file. */
  writeFile(path: string, data: Uint8Array): Promise<void>;
  /** Standard input as a stream (batch `-`). */
  stdin(): NodeJS.ReadableStream;
  /** Whether stderr is a terminal (progress bars). */
  isTTY: boolean;
  /** Resolves when the output can take more (backpressure for streamed batches). */
  outGate?: () => void | Promise<void>;
}

/**
 * Writes to a stream; when its buffer is full, resolves once it drains. Writers waiting at the
 * same time share one `drain` listener (no listener pile-up however many lines are queued).
 */
function write(stream: NodeJS.WriteStream, data: string | Uint8Array): Promise<void> | void {
  if (stream.write(data)) return;
  return drained(stream);
}

/** The process's real standard streams and file system. */
export const processIo: CliIo = {
  out: (text) => write(process.stdout, text),
  outBytes: (bytes) => write(process.stdout, bytes),
  err: (text) => {
    process.stderr.write(text);
  },
  readFile: (path, field = 'input') => readRegularFile(path, { field }),
  writeFile: (path, data) => writeFile(path, data),
  stdin: () => process.stdin,
  isTTY: Boolean(process.stderr.isTTY),
  outGate: drainGate(process.stdout),
};
