#!/usr/bin/env node
// End-to-end prefill benchmark of pruning inside transformers.js generation (issue 8).
// Generates (once, cached) a random-weight LLaVA big enough for the LLM prefill to dominate,
// then measures the prefill at several visual-token budgets in one process, interleaved, and
// reports the median against the unpruned prefill plus the pruning overhead.
//   node packages/transformers/bench/bench-e2e.mjs [--hidden 1024] [--layers 8] [--heads 16]
//     [--keeps 576,192,128,64] [--reps 5] [--method d2pruner] [--threads N] [--dir DIR] [--out FILE.json]
// Needs the built packages: @d2pruner/transformers and @d2pruner-tools/tiny-model (dist/).
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { layerMacs } from '@d2pruner/core';
import { loadLocalLlava, withPruning } from '../dist/index.js';

const here = dirname(fileURLToPath(import.meta.url));
const { resolveTinyModelConfig, testImagePng, writeTinyModel } = await import(join(here, '../../../tools/tiny-model/dist/index.js'));

function arg(name, fallback) {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 && i + 1 < process.argv.length ? process.argv[i + 1] : fallback;
}
const sizes = {
  seed: Number(arg('seed', '0')),
  hidden: Number(arg('hidden', '1024')),
  layers: Number(arg('layers', '8')),
  heads: Number(arg('heads', '16')),
  visionHidden: Number(arg('vision-hidden', '256')),
  visionLayers: Number(arg('vision-layers', '2')),
  visionHeads: Number(arg('vision-heads', '4')),
};
sizes.intermediate = Number(arg('intermediate', String(Math.round((sizes.hidden * 11) / 4))));
const keeps = arg('keeps', '576,192,128,64').split(',').map(Number);
const reps = Number(arg('reps', '5'));
const method = arg('method', 'd2pruner');
const dir = arg('dir', join(tmpdir(), `d2pruner-bench-e2e-${sizes.hidden}x${sizes.layers}-s${sizes.seed}`, 'tiny-llava'));
const out = arg('out', null);
const threads = arg('threads', null);
const PROMPT = 'USER: <image>\nWhat is the man holding in his hand, and what colour is it? Answer briefly. ASSISTANT:';

const log = (s) => process.stderr.write(s + '\n');
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

// 1. The model (regenerated only when the sizes differ).
const cfgPath = join(dir, 'config.json');
const cached = existsSync(cfgPath) && JSON.stringify(JSON.parse(readFileSync(cfgPath, 'utf8')).d2pruner_tiny_model) === JSON.stringify(resolveTinyModelConfig(sizes));
if (!cached) {
  const t = performance.now();
  mkdirSync(dir, { recursive: true });
  const s = await writeTinyModel(dir, sizes);
  log(`generated ${dir} (${(Object.values(s.files).reduce((a, b) => a + b, 0) / 1e6).toFixed(0)} MB) in ${((performance.now() - t) / 1000).toFixed(1)} s`);
}
const imagePath = join(dirname(dir), 'picture.png');
writeFileSync(imagePath, testImagePng(640, 480, 1));

// 2. Load and preprocess once.
const loaded = await loadLocalLlava(dir, threads ? { sessionOptions: { intraOpNumThreads: Number(threads), interOpNumThreads: 1 } } : {});
const image = await loaded.transformers.RawImage.read(imagePath);
const inputs = await loaded.processor(image, PROMPT);
const seq = inputs.input_ids.dims[1];
const visual = 576;
const text = seq - visual;

// 3. One prefill per call through the patched model's forward (what generate's first step runs).
async function prefill(keep) {
  let report;
  const h = withPruning(loaded.model, loaded.processor, keep === null ? { enabled: false, onPrefill: (r) => (report = r) } : { method, keep, onPrefill: (r) => (report = r) });
  try {
    await loaded.model.forward({ ...inputs });
  } finally {
    h.restore();
  }
  return report;
}

const configs = [null, ...keeps];
const label = (k) => (k === null ? 'unpruned' : `keep ${k}`);
log(`model: LLaVA llama ${sizes.layers}×${sizes.hidden} (${sizes.heads} heads, FFN ${sizes.intermediate}), ${visual} visual + ${text} text tokens; ${cpus().length} CPUs (${cpus()[0]?.model ?? '?'}), ORT intra-op threads ${threads ?? 'default'}`);
log('warm-up…');
for (const k of configs) await prefill(k);
const runs = new Map(configs.map((k) => [k, []]));
for (let r = 0; r < reps; r++) {
  for (const k of configs) runs.get(k).push(await prefill(k));
  log(`rep ${r + 1}/${reps}`);
}

// 4. Report.
const dims = { layers: sizes.layers, hidden: sizes.hidden, heads: sizes.heads, kvHeads: sizes.heads, headDim: sizes.hidden / sizes.heads, intermediate: sizes.intermediate, ffnMatrices: 3 };
const macs = (n) => sizes.layers * layerMacs(dims, n, 'exact');
const base = median(runs.get(null).map((r) => r.prefillMs));
const baseMin = Math.min(...runs.get(null).map((r) => r.prefillMs));
const rows = configs.map((k) => {
  const rs = runs.get(k);
  const prefillMs = median(rs.map((r) => r.prefillMs));
  const pruneMs = median(rs.map((r) => r.pruneMs));
  const n = rs[0].prefillTokens;
  return {
    config: label(k),
    keep: k ?? visual,
    prefillTokens: n,
    prefillMs,
    prefillMsMin: Math.min(...rs.map((r) => r.prefillMs)),
    pruneMs,
    encodeMs: median(rs.map((r) => r.encodeMs)),
    speedup: base / prefillMs,
    speedupMin: baseMin / Math.min(...rs.map((r) => r.prefillMs)),
    speedupWithOverhead: base / (prefillMs + pruneMs),
    tokenRatio: seq / n,
    macRatio: macs(seq) / macs(n),
  };
});
const pad = (s, w) => String(s).padStart(w);
console.log(`\nprefill latency, ${method}, median of ${reps} (interleaved; '(min)' compares the fastest runs), LLaVA llama ${sizes.layers}×${sizes.hidden}, ${seq} tokens unpruned`);
console.log(`${'config'.padEnd(10)} ${pad('tokens', 6)} ${pad('prefill ms', 11)} ${pad('min ms', 9)} ${pad('speed-up', 8)} ${pad('(min)', 6)} ${pad('tok ratio', 9)} ${pad('MAC ratio', 9)} ${pad('prune ms', 9)} ${pad('w/ prune', 8)} ${pad('encode ms', 9)}`);
for (const r of rows) {
  console.log(
    `${r.config.padEnd(10)} ${pad(r.prefillTokens, 6)} ${pad(r.prefillMs.toFixed(1), 11)} ${pad(r.prefillMsMin.toFixed(1), 9)} ${pad(r.speedup.toFixed(2) + '×', 8)} ${pad(r.speedupMin.toFixed(2) + '×', 6)} ${pad(r.tokenRatio.toFixed(2) + '×', 9)} ${pad(r.macRatio.toFixed(2) + '×', 9)} ${pad(r.pruneMs.toFixed(1), 9)} ${pad(r.speedupWithOverhead.toFixed(2) + '×', 8)} ${pad(r.encodeMs.toFixed(1), 9)}`,
  );
}
if (out) {
  writeFileSync(out, JSON.stringify({ sizes, method, reps, threads: threads ? Number(threads) : null, sequence: seq, visual, text, cpus: cpus().length, rows }, null, 2) + '\n');
  log(`wrote ${out}`);
}
await loaded.model.dispose();
