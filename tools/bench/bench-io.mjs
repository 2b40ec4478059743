// Reading a token file the way the batch pipeline does: read (nodeReadFile) + decode + finite
// check of the features, for the realistic InternVL scene (3328×1024) in F32, F16 and BF16
// (issue 13: 13.6 MB read + decode + validate ≤ 5 ms). Run: `node tools/bench/bench-io.mjs`
// after a build (`npm run bench` builds it).
import { assertFinite, readSafetensors, tokenInputFromSafetensors } from '@d2pruner/core';
import { nodeReadFile } from '@d2pruner/pipeline/node';
import { internvlRealistic } from './scene.mjs';
import { writeTokenFile } from './token-file.mjs';

const scene = internvlRealistic();
const med = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
for (const dtype of ['f32', 'f16', 'bf16']) {
  const { path: f, bytes: size } = writeTokenFile('io-internvl', scene, dtype.toUpperCase());
  const rows = [];
  for (let i = 0; i < 25; i++) {
    const t0 = performance.now();
    const bytes = await nodeReadFile(f, new AbortController().signal);
    const t1 = performance.now();
    const input = tokenInputFromSafetensors(readSafetensors(bytes));
    const t2 = performance.now();
    assertFinite('features', input.features.data);
    const t3 = performance.now();
    rows.push([t1 - t0, t2 - t1, t3 - t2, t3 - t0]);
  }
  const m = [0, 1, 2, 3].map((k) => med(rows.map((r) => r[k])).toFixed(2));
  console.log(`${dtype.toUpperCase().padEnd(4)} ${(size / 1e6).toFixed(1)} MB: read ${m[0]} ms, decode ${m[1]} ms, validate ${m[2]} ms, total ${m[3]} ms (median of 25)`);
}
