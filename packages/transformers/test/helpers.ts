import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { testImagePng, writeTinyModel, type TinyModelOptions } from '@d2pruner-tools/tiny-model';
import { D2PrunerError } from '@d2pruner/core';

/** A generated tiny LLaVA and a test PNG in a fresh temp directory. */
export async function tinyModelFixture(options: TinyModelOptions = { seed: 3 }, splitLayers: number[] = []): Promise<{ dir: string; image: string; root: string }> {
  const root = mkdtempSync(join(tmpdir(), 'd2pruner-transformers-'));
  const dir = join(root, 'tiny-llava');
  await writeTinyModel(dir, options, { splitLayers });
  const image = join(root, 'picture.png');
  writeFileSync(image, testImagePng(96, 64, 5));
  return { dir, image, root };
}

/** The typed error a promise or function rejects with. */
export async function caught(f: () => unknown): Promise<D2PrunerError> {
  try {
    await f();
  } catch (e) {
    if (e instanceof D2PrunerError) return e;
    throw e;
  }
  throw new Error('expected a typed error');
}
