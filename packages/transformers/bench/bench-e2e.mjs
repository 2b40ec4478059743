#!/usr/bin/env node
// End-to-end prefill benchmark of pruning inside transformers.js generation (issues 8, 17).
// Generates (once, cached) a random-weight LLaVA big enough for the LLM prefill to dominate,
// with a split decoder pair at each K of --layers-k, then measures the prefill at several
// visual-token budgets in one process, interleaved: K = 0 through transformers.js' own forward
// (pre-LLM pruning), K ≥ 1 through the split pair (part A on every token, part B on the kept
// ones). Reports medians against the unpruned prefill, the MAC ratio of the cost model, the
// pruning overhead, and token-for-token agreement of keep-all generation with the unpruned one.
//   node packages/transformers/bench/bench-e2e.mjs [--hidden 1024] [--layers 8] [--heads 16]
//     [--keeps 576,192,128,64] [--layers-k 0,2] [--reps 5] [--agree-tokens 8] [--method d2pruner]
//     [--threads N] [--dir DIR] [--out FILE.json]
// Needs the built packages: @d2pruner/transformers and @d2pruner-tools/tiny-model (dist/).
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { generateSplit, generateWithPruning, loadLocalLlava, loadSplitDecoder, resolvePruningOptions, sessionFactoryOf, withPruning } from '../dist/index.js';

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
const layersK = arg('layers-k', '0,2').split(',').map(Number);
const splitLayers = layersK.filter((k) => k > 0);
const agreeTokens = Number(arg('agree-tokens', '8'));
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
const cached =
  existsSync(cfgPath) &&
  JSON.stringify(JSON.parse(readFileSync(cfgPath, 'utf8')).d2pruner_tiny_model) === JSON.stringify(resolveTinyModelConfig(sizes)) &&
  splitLayers.every((k) => existsSync(join(dir, `split-k${k}`, 'split.json')));
if (!cached) {
  const t = performance.now();
  mkdirSync(dir, { recursive: true });
  const s = await writeTinyModel(dir, sizes, { splitLayers });
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

// 3. One prefill per call: K = 0 through the patched model's forward (what generate's first
// step runs); K ≥ 1 through the split pair (part A, selection, part B; no decode step).
const splits = new Map();
for (const k of splitLayers) splits.set(k, await loadSplitDecoder(join(dir, `split-k${k}`), k, sessionFactoryOf(loaded.model.sessions.decoder_model_merged), loaded.sessionOptions));
const pruning = (c) => (c.keep === null ? { enabled: false, layer: c.layer } : { method, keep: c.keep, layer: c.layer });
async function prefill(c) {
  if (c.layer > 0) {
    const opts = resolvePruningOptions(pruning(c));
    return (await generateSplit(loaded.model, splits.get(c.layer), opts, inputs, { maxNewTokens: 1, eos: new Set() })).report;
  }
  let report;
  const h = withPruning(loaded.model, loaded.processor, { ...pruning(c), onPrefill: (r) => (report = r) });
  try {
    await loaded.model.forward({ ...inputs });
  } finally {
    h.restore();
  }
  return report;
}

const configs = layersK.flatMap((layer) => [null, ...keeps].map((keep) => ({ layer, keep })));
const label = (c) => `K=${c.layer} ${c.keep === null ? 'unpruned' : `keep ${c.keep}`}`;
log(`model: LLaVA llama ${sizes.layers}×${sizes.hidden} (${sizes.heads} heads, FFN ${sizes.intermediate}), ${visual} visual + ${text} text tokens; ${cpus().length} CPUs (${cpus()[0]?.model ?? '?'}), ORT intra-op threads ${threads ?? 'default'}`);
log('warm-up…');
for (const c of configs) await prefill(c);
const runs = new Map(configs.map((c) => [label(c), []]));
for (let r = 0; r < reps; r++) {
  for (const c of configs) runs.get(label(c)).push(await prefill(c));
  log(`rep ${r + 1}/${reps}`);
}

// 4. Token-for-token agreement of keep-all generation with unpruned generation (merged decoder).

const gen = (p) => generateWithPruning(loaded, { image, prompt: PROMPT, maxNewTokens: agreeTokens, pruning: p, ...(p && p.layer > 0 ? { splitDecoder: splits.get(p.layer) } : {}) });
const reference = (await gen(false)).tokenIds;
const agreement = new Map();
for (const layer of layersK) {
  const ids = (await gen({ method, keep: visual, layer })).tokenIds;
  agreement.set(layer, ids.filter((id, i) => id === reference[i]).length);
}

// 5. Report.
const base = median(runs.get(label({ layer: 0, keep: null })).map((r) => r.prefillMs));
const baseMin = Math.min(...runs.get(label({ layer: 0, keep: null })).map((r) => r.prefillMs));
const rows = configs.map((c) => {
  const rs = runs.get(label(c));
  const prefillMs = median(rs.map((r) => r.prefillMs));
  const pruneMs = median(rs.map((r) => r.pruneMs));
  return {
    config: label(c),
    layer: c.layer,
    keep: c.keep ?? visual,
    prefillTokens: rs[0].prefillTokens,
    prefillMs,
    prefillMsMin: Math.min(...rs.map((r) => r.prefillMs)),
    partAMs: c.layer > 0 ? median(rs.map((r) => r.partAMs)) : 0,
    partBMs: c.layer > 0 ? median(rs.map((r) => r.partBMs)) : prefillMs,
    pruneMs,
    encodeMs: median(rs.map((r) => r.encodeMs)),
    speedup: base / prefillMs,
    speedupMin: baseMin / Math.min(...rs.map((r) => r.prefillMs)),
    speedupWithOverhead: base / (prefillMs + pruneMs),
    tokenRatio: seq / rs[0].prefillTokens,
    macRatio: rs[0].macs.ratio,
    agreement: c.keep === visual ? `${agreement.get(c.layer)}/${reference.length}` : '',
  };
});
const pad = (s, w) => String(s).padStart(w);
console.log(`\nprefill latency, ${method}, median of ${reps} (interleaved; speed-up vs K=0 unpruned, '(min)' compares the fastest runs), LLaVA llama ${sizes.layers}×${sizes.hidden}, ${seq} tokens unpruned`);
console.log(
  `${'config'.padEnd(17)} ${pad('tokens', 6)} ${pad('prefill ms', 10)} ${pad('A ms', 7)} ${pad('B ms', 7)} ${pad('speed-up', 8)} ${pad('(min)', 6)} ${pad('MAC ratio', 9)} ${pad('tok ratio', 9)} ${pad('prune ms', 8)} ${pad('w/ prune', 8)} ${pad('agree', 5)}`,
);
for (const r of rows) {
  console.log(
    `${r.config.padEnd(17)} ${pad(r.prefillTokens, 6)} ${pad(r.prefillMs.toFixed(1), 10)} ${pad(r.partAMs.toFixed(1), 7)} ${pad(r.partBMs.toFixed(1), 7)} ${pad(r.speedup.toFixed(2) + '×', 8)} ${pad(r.speedupMin.toFixed(2) + '×', 6)} ${pad(r.macRatio.toFixed(2) + '×', 9)} ${pad(r.tokenRatio.toFixed(2) + '×', 9)} ${pad(r.pruneMs.toFixed(1), 8)} ${pad(r.speedupWithOverhead.toFixed(2) + '×', 8)} ${pad(r.agreement, 5)}`,
  );
}
console.log(`agree: greedy tokens of keep-all generation (${agreeTokens} tokens) equal to unpruned generation on the merged decoder, position by position`);
if (out) {
  writeFileSync(out, JSON.stringify({ sizes, method, reps, layersK, threads: threads ? Number(threads) : null, sequence: seq, visual, text, cpus: cpus().length, rows }, null, 2) + '\n');
  log(`wrote ${out}`);
}
for (const sp of splits.values()) await sp.release();
await loaded.model.dispose();
