import { readFile, writeFile } from 'node:fs/promises';
import { drainGate } from '@d2pruner/pipeline/node';

/** Where a command reads and writes. Injectable so tests run commands in-process. */
export interface CliIo {
  /** Writes to standard output. */
  out(text: string): void | Promise<void>;
  /** Writes to standard error. */
  err(text: string): void;
  /** Reads a whole file. */
  readFile(path: string): Promise<Uint8Array>;
  /** Writes a whole file. */
  writeFile(path: string, data: Uint8Array): Promise<void>;
  /** Standard input as a stream (batch `-`). */
  stdin(): NodeJS.ReadableStream;
  /** Whether stderr is a terminal (progress bars). */
  isTTY: boolean;
  /** Resolves when the output can take more (backpressure for streamed batches). */
  outGate?: () => void | Promise<void>;
}

function write(stream: NodeJS.WriteStream, text: string): Promise<void> | void {
  if (stream.write(text)) return;
  return new Promise((resolve) => stream.once('drain', () => resolve()));
}

/** The process's real standard streams and file system. */
export const processIo: CliIo = {
  out: (text) => write(process.stdout, text),
  err: (text) => {
    process.stderr.write(text);
  },
  readFile: async (path) => new Uint8Array(await readFile(path)),
  writeFile: (path, data) => writeFile(path, data),
  stdin: () => process.stdin,
  isTTY: Boolean(process.stderr.isTTY),
  outGate: drainGate(process.stdout),
};
