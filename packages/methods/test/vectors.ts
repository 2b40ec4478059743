import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readSafetensors, tokenInputFromSafetensors, type TokenInput } from '@d2pruner/core';

/** Repository root, from this file's location. */
export const REPO_ROOT = join(dirname(fileURLToPath(import.meta.url)), '../../..');

/** Folder of the copied spec vectors. */
export const VECTORS = join(REPO_ROOT, 'fixtures/vectors');

/** One test case of the spec vectors. */
export interface VectorCase {
  input: string;
  method: string;
  keep: number;
  params: Record<string, unknown>;
  expected: Record<string, unknown> & { keep: number[] };
  f64?: boolean;
  ties?: boolean;
}

/** Loads a cases file from a vectors folder. */
export function loadCases(folder: string, file: string): VectorCase[] {
  return JSON.parse(readFileSync(join(VECTORS, folder, file), 'utf8')) as VectorCase[];
}

const inputs = new Map<string, TokenInput>();

/** Loads (and caches) a scene file of a vectors folder as a token input. */
export function loadScene(folder: string, file: string): TokenInput {
  const key = `${folder}/${file}`;
  let input = inputs.get(key);
  if (!input) {
    input = tokenInputFromSafetensors(readSafetensors(readFileSync(join(VECTORS, folder, file))));
    inputs.set(key, input);
  }
  return input;
}
