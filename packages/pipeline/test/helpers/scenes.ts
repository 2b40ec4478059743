import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gridLayout, layoutToJson, uniformRng, writeSafetensors, type Layout, type Matrix, type TokenInput } from '@d2pruner/core';

/** A small deterministic PRNG (mulberry32) in [0, 1). */
export const rng = uniformRng;

/** Options of {@link makeScene}. */
export interface SceneOptions {
  rows?: number;
  cols?: number;
  d?: number;
  seed?: number;
  /** Token whose attention is the strict maximum (2.0; every other value is in [0.1, 1.1)). */
  peak?: number;
}

/** A rows×cols scene with random features (in [−1, 1)) and attention. */
export function makeScene(options: SceneOptions = {}): TokenInput & { features: Matrix; attention: Float32Array; layout: Layout } {
  const { rows = 6, cols = 6, d = 16, seed = 1 } = options;
  const n = rows * cols;
  const r = rng(seed);
  const features = new Float32Array(n * d);
  for (let i = 0; i < features.length; i++) features[i] = r() * 2 - 1;
  const attention = new Float32Array(n);
  for (let i = 0; i < n; i++) attention[i] = 0.1 + r();
  if (options.peak !== undefined) attention[options.peak] = 2;
  return { features: { rows: n, cols: d, data: features }, attention, layout: gridLayout(rows, cols) };
}

/** Safetensors bytes of a token input (features, attention, prior, clsAttention; layout metadata unless omitted). */
export function sceneBytes(input: TokenInput, options: { withLayout?: boolean } = {}): Uint8Array {
  const tensors: Parameters<typeof writeSafetensors>[0] = {};
  if (input.features) tensors.features = { shape: [input.features.rows, input.features.cols], data: input.features.data };
  if (input.attention) tensors.attention = { shape: [input.attention.length], data: input.attention };
  if (input.prior) tensors.prior = { shape: [input.prior.length], data: input.prior };
  if (input.clsAttention) tensors.clsAttention = { shape: [input.clsAttention.length], data: input.clsAttention };
  const metadata: Record<string, string> = {};
  if (input.layout && options.withLayout !== false) metadata['d2pruner.layout'] = JSON.stringify(layoutToJson(input.layout));
  if (input.model) metadata['d2pruner.model'] = input.model;
  return writeSafetensors(tensors, metadata);
}

/** A temporary folder, removed by `cleanup`. */
export function tempDir(prefix = 'd2p-pipeline-'): { dir: string; cleanup: () => void; write: (name: string, data: Uint8Array | string) => string } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return {
    dir,
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
    write: (name, data) => {
      const p = join(dir, name);
      writeFileSync(p, data);
      return p;
    },
  };
}
