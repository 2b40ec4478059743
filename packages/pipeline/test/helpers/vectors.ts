import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Folder of the copied spec vectors. */
export const VECTORS = join(dirname(fileURLToPath(import.meta.url)), '../../../../fixtures/vectors');

/** One D2Pruner vector case (fixtures/vectors/README.md). */
export interface D2Case {
  input: string;
  keep: number;
  params: Record<string, unknown>;
  expected: { keep: number[]; pivots: number[]; picks: number[]; rounds: number };
}

/** The D2Pruner cases. */
export function d2Cases(): D2Case[] {
  return JSON.parse(readFileSync(join(VECTORS, 'd2pruner', 'cases-7.json'), 'utf8')) as D2Case[];
}

/** The bytes of a D2Pruner scene file. */
export function d2SceneBytes(file: string): Uint8Array {
  return new Uint8Array(readFileSync(join(VECTORS, 'd2pruner', file)));
}
