// Prunes a safetensors token file with D2Pruner using only @d2pruner/core and @d2pruner/methods.
//   node prune.mjs [IN.safetensors] [--keep 64] [--out pruned.safetensors]
// Without IN, a 24×24 scene (576 tokens, 64 features) is generated and written first.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { gridLayout, layoutToJson, readSafetensors, subsetLayout, tensor, tokenInputFromSafetensors, uniformRng, writeSafetensors } from '@d2pruner/core';
import { getMethod } from '@d2pruner/methods';

/**
 * A rows×cols scene: features [N, dim] drawn around a few prototypes (neighbouring tokens look
 * alike), attention [N] positive with a handful of peaks, the grid layout in the metadata.
 */
export function sceneBytes({ rows = 24, cols = 24, dim = 64, seed = 7 } = {}) {
  const rand = uniformRng(seed);
  const n = rows * cols;
  const prototypes = Array.from({ length: 6 }, () => Float32Array.from({ length: dim }, () => rand() * 2 - 1));
  const features = new Float32Array(n * dim);
  const attention = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const proto = prototypes[Math.floor(((i % cols) / cols) * 3) + 3 * Math.floor(i / cols / (rows / 2))];
    for (let d = 0; d < dim; d++) features[i * dim + d] = proto[d] + 0.35 * (rand() * 2 - 1);
    attention[i] = 0.01 + rand() * 0.02 + (rand() < 0.03 ? 0.5 : 0);
  }
  return writeSafetensors(
    { features: tensor(features, [n, dim]), attention: tensor(attention, [n]) },
    { 'd2pruner.layout': JSON.stringify(layoutToJson(gridLayout(rows, cols))) },
  );
}

/**
 * Reads `file`, selects `keep` tokens with `method`, and returns the selection together with the
 * pruned file's bytes (the kept rows of every per-token tensor, the kept tokens' layout).
 */
export async function pruneFile(file, keep, { method = 'd2pruner', params = {} } = {}) {
  const input = tokenInputFromSafetensors(readSafetensors(readFileSync(file)));
  const selection = await getMethod(method).select(input, keep, params);
  const { features, attention, layout } = input;
  const kept = new Float32Array(selection.keep.length * features.cols);
  selection.keep.forEach((t, k) => kept.set(features.data.subarray(t * features.cols, (t + 1) * features.cols), k * features.cols));
  const pruned = writeSafetensors(
    {
      features: tensor(kept, [selection.keep.length, features.cols]),
      attention: tensor(Float32Array.from(selection.keep, (t) => attention[t]), [selection.keep.length]),
    },
    { 'd2pruner.layout': JSON.stringify(layoutToJson(subsetLayout(layout, selection.keep))), 'd2pruner.keep': JSON.stringify(selection.keep) },
  );
  return { selection, pruned };
}

async function main(argv) {
  const flag = (name, fallback) => (argv.includes(name) ? argv[argv.indexOf(name) + 1] : fallback);
  let file = argv.find((a, i) => !a.startsWith('--') && !argv[i - 1]?.startsWith('--'));
  if (!file) {
    file = join(mkdtempSync(join(tmpdir(), 'd2pruner-node-minimal-')), 'scene.safetensors');
    writeFileSync(file, sceneBytes());
    console.log(`generated ${file}`);
  }
  const keep = Number(flag('--keep', '64'));
  const out = flag('--out', file.replace(/\.safetensors$/, '') + '.pruned.safetensors');
  const { selection, pruned } = await pruneFile(file, keep);
  writeFileSync(out, pruned);
  console.log(JSON.stringify({ method: selection.method, n: selection.n, keep: selection.keep, pivots: selection.pivots, rounds: selection.rounds }));
  console.log(`wrote ${out} (${selection.keep.length} of ${selection.n} tokens)`);
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) await main(process.argv.slice(2));
