import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readSafetensors, tokenCount, tokenInputFromSafetensors, type TokenInput } from '@d2pruner/core';

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

/** Number of visual tokens of a loaded scene. */
export function sceneTokens(folder: string, file: string): number {
  return tokenCount(loadScene(folder, file));
}

interface MergedLike {
  index: number;
  members: number[];
  row?: number[];
}

/**
 * Differences between a baseline case's expected object and a Selection (docs/baselines.md §10.2):
 * every expected field must be equal, except VisionZip `merged[].row`, compared with a relative
 * tolerance of 1e-5 of the expected row's largest magnitude. Returns one line per difference.
 */
export function baselineDiffs(expected: Record<string, unknown>, actual: Record<string, unknown>): string[] {
  const out: string[] = [];
  for (const key of Object.keys(expected)) {
    if (key === 'merged') {
      const em = expected.merged as MergedLike[];
      const am = (actual.merged ?? []) as MergedLike[];
      if (em.length !== am.length) {
        out.push(`merged: ${am.length} rows, expected ${em.length}`);
        continue;
      }
      em.forEach((e, i) => {
        const a = am[i];
        if (e.index !== a.index || JSON.stringify(e.members) !== JSON.stringify(a.members)) out.push(`merged[${i}] index/members differ`);
        if (e.row) {
          const scale = Math.max(...e.row.map(Math.abs));
          const bad = !a.row || a.row.length !== e.row.length || e.row.some((v, d) => !(Math.abs(v - (a.row as number[])[d]) <= 1e-5 * scale));
          if (bad) out.push(`merged[${i}].row differs beyond 1e-5 relative`);
        }
      });
      continue;
    }
    if (JSON.stringify(expected[key]) !== JSON.stringify(actual[key])) {
      out.push(`${key}: got ${JSON.stringify(actual[key])?.slice(0, 120)}, expected ${JSON.stringify(expected[key]).slice(0, 120)}`);
    }
  }
  return out;
}
