// Reading a token file the way the batch pipeline does: read (the pooled reader, buffer given
// back after each file) + decode (F16/BF16 in WebAssembly SIMD, as the pipeline does) + the SIMD finite check of the features, for the realistic InternVL
// scene (3328×1024) in F32, F16 and BF16, and a fresh buffer per file (nodeReadFile) for
// comparison (issue 13: 13.6 MB read + decode + validate ≤ 5 ms). Run with `npm run bench:io`.
import { readSafetensors, tokenInputFromSafetensors } from '@d2pruner/core';
import { assertFiniteF32, decodeHalfSimd } from '@d2pruner/kernels';
import { nodeReadFile, pooledReadFile } from '@d2pruner/pipeline/node';
import { internvlRealistic } from './scene.mjs';
import { writeTokenFile } from './token-file.mjs';

const scene = internvlRealistic();
const med = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
const pooled = pooledReadFile();
const readers = [
  ['pooled', (f) => pooled(f, new AbortController().signal)],
  ['fresh', async (f) => ({ bytes: await nodeReadFile(f, new AbortController().signal), release: () => {} })],
];
for (const dtype of ['f32', 'f16', 'bf16']) {
  const { path: f, bytes: size } = writeTokenFile('io-internvl', scene, dtype.toUpperCase());
  for (const [name, read] of readers) {
    const rows = [];
    for (let i = 0; i < 25; i++) {
      const t0 = performance.now();
      const lent = await read(f);
      const t1 = performance.now();
      const input = tokenInputFromSafetensors(readSafetensors(lent.bytes, { allocate: lent.allocate, decodeHalf: decodeHalfSimd }));
      const t2 = performance.now();
      assertFiniteF32('features', input.features.data);
      const t3 = performance.now();
      lent.release();
      rows.push([t1 - t0, t2 - t1, t3 - t2, t3 - t0]);
    }
    const m = [0, 1, 2, 3].map((k) => med(rows.map((r) => r[k])).toFixed(2));
    console.log(`${dtype.toUpperCase().padEnd(4)} ${(size / 1e6).toFixed(1)} MB, ${name.padEnd(6)}: read ${m[0]} ms, decode ${m[1]} ms, validate ${m[2]} ms, total ${m[3]} ms (median of 25)`);
  }
}
