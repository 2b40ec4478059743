import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { Readable } from 'node:stream';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, expect } from 'vitest';
import type { EvalReport } from '@d2pruner/pipeline';
import { main, type CliIo } from '../src/index.js';

/** Repository root. */
export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '../../..');

/**
 * Runs the CLI in-process and captures its output (`isTTY`: whether stderr is a terminal). Its
 * output takes bytes as the real one does (`outBytes`: long batch lines), unless `textOnly`.
 */
export async function runCli(argv: string[], stdin = '', { isTTY = false, textOnly = false }: { isTTY?: boolean; textOnly?: boolean } = {}): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const decoder = new TextDecoder();
  const io: CliIo = {
    out: (t) => {
      out += t;
    },
    ...(textOnly ? {} : { outBytes: (b: Uint8Array) => void (out += decoder.decode(b)) }),
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

/** The labelled scene files (`scene-*`) `d2pruner scenes` wrote into `dir`, as full paths. */
export function sceneFiles(dir: string): string[] {
  return readdirSync(dir)
    .filter((f) => f.startsWith('scene-'))
    .map((f) => join(dir, f));
}

/**
 * Registers the set-up of a test file that evaluates scenes: before its tests, `d2pruner scenes`
 * with `sceneArgs` into a new temporary folder (named from `prefix`), handed to `use` with the
 * scene files; the folder is removed after them.
 */
export function useScenes(prefix: string, sceneArgs: string[], use: (dir: string, files: string[]) => void): void {
  let dir = '';
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), prefix));
    const r = await runCli(['scenes', dir, ...sceneArgs]);
    expect(r.code, r.err).toBe(0);
    use(dir, sceneFiles(dir));
  });
  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });
}

/** An eval report's rows without their timings (`msPerFile` becomes whether the row ran): what must match between runs. */
export function resultsWithoutTimings(r: EvalReport): (Omit<EvalReport['results'][number], 'msPerFile'> & { ran: boolean })[] {
  return r.results.map(({ msPerFile, ...rest }) => ({ ...rest, ran: msPerFile !== null }));
}
