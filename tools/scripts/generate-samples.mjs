#!/usr/bin/env node
// Writes the bundled samples (fixtures/samples/*.safetensors) from the spec's D2Pruner scenes,
// adding the synthetic tensors the baselines read, so every method runs on every sample:
//   keys [N, 64]          = features · Wk            (a fixed random key projection)
//   clsAttention [N]      ∝ exp(4 · cos(features_i, t)), summing to 1
//   textFeatures [6, D]   = t + noise                (text tokens about the scene's objects)
//   textKeys [6, 64]      = textFeatures · Wk
//   imageEmbeds [N, 64]   = features · We            (a fixed random embedding projection)
//   textEmbeds [1, 64]    = t · We + noise
// where t is the mean feature of the tokens inside the scene's object boxes (d2pruner.objects, on
// the last frame, which covers the whole image), or of the top 10% by attention when there are none.
// features, attention, prior and the layout are the scene's own, so D2Pruner's selections on a
// sample are those of the test vectors. Everything is seeded (mulberry32): the output is the same
// on every run. `--check` compares with the files in the repository instead of writing them.
// Run: npm run samples (builds @d2pruner/core first).
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readSafetensors, uniformRng, writeSafetensors } from '@d2pruner/core';

const root = join(dirname(fileURLToPath(import.meta.url)), '../..');
const SAMPLES = [
  { name: 'llava-sample', from: 'llava-7', seed: 1501 },
  { name: 'internvl-sample', from: 'internvl-2x3-7', seed: 2508 },
];
const DK = 64;
const DE = 64;
const M = 6;

function gaussian(rand) {
  return () => Math.sqrt(-2 * Math.log(1 - rand())) * Math.cos(2 * Math.PI * rand());
}

function randomMatrix(g, rows, cols, scale) {
  return Float32Array.from({ length: rows * cols }, () => g() * scale);
}

function matmul(a, rows, inner, b, cols) {
  const out = new Float32Array(rows * cols);
  for (let i = 0; i < rows; i++) {
    for (let j = 0; j < cols; j++) {
      let s = 0;
      for (let k = 0; k < inner; k++) s += a[i * inner + k] * b[k * cols + j];
      out[i * cols + j] = s;
    }
  }
  return out;
}

/** Tokens of the last frame whose centre lies in an object box; the top 10% by attention when none. */
function objectTokens(layout, objects, attention) {
  const last = layout.frames.length - 1;
  const { rows, cols } = layout.frames[last];
  const inside = [];
  for (let i = 0; i < layout.frame.length; i++) {
    if (layout.frame[i] !== last) continue;
    const x = (layout.col[i] + 0.5) / cols;
    const y = (layout.row[i] + 0.5) / rows;
    if (objects.some(({ box: [x0, y0, x1, y1] }) => x >= x0 && x <= x1 && y >= y0 && y <= y1)) inside.push(i);
  }
  if (inside.length) return inside;
  const order = Array.from(attention.keys()).sort((a, b) => attention[b] - attention[a] || a - b);
  return order.slice(0, Math.max(1, Math.round(order.length / 10)));
}

function sample({ from, seed }) {
  const file = readSafetensors(readFileSync(join(root, 'fixtures/vectors/d2pruner', `${from}.safetensors`)));
  const features = file.get('features');
  const attention = file.get('attention').data;
  const prior = file.get('prior');
  const [n, d] = features.shape;
  const h = features.data;
  const layout = JSON.parse(file.metadata['d2pruner.layout']);
  const objects = JSON.parse(file.metadata['d2pruner.objects'] ?? '[]');
  const g = gaussian(uniformRng(seed));
  const wk = randomMatrix(g, d, DK, 1 / Math.sqrt(d));
  const we = randomMatrix(g, d, DE, 1 / Math.sqrt(d));

  const picked = objectTokens(layout, objects, attention);
  const t = new Float32Array(d);
  for (const i of picked) for (let k = 0; k < d; k++) t[k] += h[i * d + k] / picked.length;
  const rms = Math.sqrt(t.reduce((s, v) => s + v * v, 0) / d) || 1;
  const text = new Float32Array(M * d);
  for (let m = 0; m < M; m++) for (let k = 0; k < d; k++) text[m * d + k] = t[k] + 0.5 * rms * g();
  const tNorm = Math.hypot(...t) || 1;
  const cls = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let dot = 0;
    let norm = 0;
    for (let k = 0; k < d; k++) {
      dot += h[i * d + k] * t[k];
      norm += h[i * d + k] ** 2;
    }
    cls[i] = Math.exp((4 * dot) / ((Math.sqrt(norm) || 1) * tNorm));
  }
  const clsSum = cls.reduce((s, v) => s + v, 0);
  const textEmbeds = matmul(t, 1, d, we, DE).map((v) => v + 0.1 * g());

  const tensors = {
    features,
    attention: { shape: [n], data: attention },
    ...(prior ? { prior } : {}),
    clsAttention: { shape: [n], data: Float32Array.from(cls, (v) => v / clsSum) },
    keys: { shape: [n, DK], data: matmul(h, n, d, wk, DK) },
    textFeatures: { shape: [M, d], data: text },
    textKeys: { shape: [M, DK], data: matmul(text, M, d, wk, DK) },
    imageEmbeds: { shape: [n, DE], data: matmul(h, n, d, we, DE) },
    textEmbeds: { shape: [1, DE], data: textEmbeds },
  };
  const metadata = { ...file.metadata, 'd2pruner.synthetic': `features, attention, prior and layout of the ${from} test scene; the other tensors generated by tools/scripts/generate-samples.mjs (seed ${seed})` };
  return writeSafetensors(tensors, metadata);
}

const check = process.argv.includes('--check');
let stale = 0;
for (const s of SAMPLES) {
  const path = join(root, 'fixtures/samples', `${s.name}.safetensors`);
  const bytes = sample(s);
  if (!check) {
    writeFileSync(path, bytes);
    console.log(`wrote ${path} (${bytes.length} bytes)`);
    continue;
  }
  let current;
  try {
    current = readFileSync(path);
  } catch {
    current = new Uint8Array();
  }
  if (Buffer.compare(Buffer.from(bytes), Buffer.from(current)) !== 0) {
    console.error(`${path} differs from what the generator writes: npm run samples`);
    stale++;
  }
}
if (check && stale === 0) console.log(`the ${SAMPLES.length} samples are what the generator writes`);
process.exitCode = stale ? 1 : 0;
