import { readFile, writeFile } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { main, type CliIo } from '../src/index.js';

/** Repository root. */
export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '../../..');

/** Runs the CLI in-process and captures its output (`isTTY`: whether stderr is a terminal). */
export async function runCli(argv: string[], stdin = '', { isTTY = false }: { isTTY?: boolean } = {}): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const io: CliIo = {
    out: (t) => {
      out += t;
    },
    err: (t) => {
      err += t;
    },
    readFile: async (p) => new Uint8Array(await readFile(p)),
    writeFile: (p, d) => writeFile(p, d),
    stdin: () => Readable.from([stdin]),
    isTTY,
  };
  const code = await main(argv, io);
  return { code, out, err };
}
