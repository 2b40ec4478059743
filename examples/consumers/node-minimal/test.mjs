// Test of the node-minimal consumer, run from a copy installed from packed tarballs (see
// tools/packaging/consumer-tests.mjs). Expected values come from the generated scene by direct
// reasoning and from the specification's test vectors, never from the packages under test.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, readdirSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readSafetensors, tokenInputFromSafetensors } from '@d2pruner/core';
import { d2pruneLazy } from '@d2pruner/methods';
import { pruneFile, sceneBytes } from './prune.mjs';

const here = dirname(fileURLToPath(import.meta.url));
let passed = 0;
async function check(name, fn) {
  await fn();
  passed++;
  console.log(`  ✓ ${name}`);
}

/** Names of every package under a node_modules folder (scoped ones as @scope/name), recursively. */
function installed(dir) {
  const out = [];
  if (!existsSync(dir)) return out;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    if (e.name.startsWith('.')) continue;
    if (e.name.startsWith('@')) {
      for (const s of readdirSync(join(dir, e.name))) out.push(`${e.name}/${s}`, ...installed(join(dir, e.name, s, 'node_modules')));
    } else out.push(e.name, ...installed(join(dir, e.name, 'node_modules')));
  }
  return out;
}

if (!existsSync(join(here, 'node_modules'))) {
  console.error('run this through tools/packaging/consumer-tests.mjs: it needs an install from packed tarballs');
  process.exit(1);
}

await check('the packages resolve to this project\'s node_modules, to dist/ (not the repository sources)', () => {
  for (const name of ['@d2pruner/core', '@d2pruner/methods']) {
    const file = realpathSync(fileURLToPath(import.meta.resolve(name)));
    assert.ok(file.startsWith(realpathSync(join(here, 'node_modules')) + sep), `${name} resolved outside the project: ${file}`);
    assert.match(file, /[/\\]dist[/\\]index\.js$/);
  }
});

await check('node_modules holds core, methods and what methods needs — no rxjs, WebGPU, gpu.js or transformers.js', async () => {
  const names = installed(join(here, 'node_modules')).sort();
  assert.deepEqual(names, ['@d2pruner/core', '@d2pruner/graph', '@d2pruner/kernels', '@d2pruner/methods', '@d2pruner/mis', '@d2pruner/scoring']);
  for (const heavy of ['rxjs', 'webgpu', '@webgpu/types', 'gpu.js', '@huggingface/transformers', 'onnxruntime-node', '@d2pruner/pipeline']) {
    await assert.rejects(import(heavy), (e) => e.code === 'ERR_MODULE_NOT_FOUND', `${heavy} must not be importable here`);
  }
});

await check('prunes a generated safetensors file: pivots are the top attention tokens, the pruned file holds the kept rows', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'd2pruner-node-minimal-test-'));
  const file = join(dir, 'scene.safetensors');
  writeFileSync(file, sceneBytes({ rows: 24, cols: 24, dim: 64, seed: 11 }));
  const original = tokenInputFromSafetensors(readSafetensors(readFileSync(file)));
  const { selection, pruned } = await pruneFile(file, 64).finally(() => rmSync(dir, { recursive: true, force: true }));
  assert.equal(selection.n, 576);
  assert.equal(selection.keep.length, 64);
  assert.deepEqual(selection.keep, [...new Set(selection.keep)].sort((a, b) => a - b));
  // no prior ⇒ debias `none`: pivots = the ⌊0.7·64⌋ = 44 largest attentions (ties → lower index)
  const byAttention = Array.from(original.attention.keys()).sort((a, b) => original.attention[b] - original.attention[a] || a - b);
  assert.deepEqual(selection.pivots, byAttention.slice(0, 44).sort((a, b) => a - b));
  assert.equal(selection.picks.length, 20);
  const back = tokenInputFromSafetensors(readSafetensors(pruned));
  assert.equal(back.features.rows, 64);
  selection.keep.forEach((t, k) => {
    assert.deepEqual(back.features.data.subarray(k * 64, (k + 1) * 64), original.features.data.subarray(t * 64, (t + 1) * 64));
    assert.equal(back.layout.row[k], Math.floor(t / 24));
    assert.equal(back.layout.col[k], t % 24);
  });
});

const vectors = process.env.D2PRUNER_VECTORS;
if (vectors && existsSync(join(vectors, 'cases-7.json'))) {
  await check('reproduces every D2Pruner test vector of the specification (installed code, exact indices)', () => {
    const cases = JSON.parse(readFileSync(join(vectors, 'cases-7.json'), 'utf8'));
    const inputs = new Map();
    for (const c of cases) {
      if (!inputs.has(c.input)) inputs.set(c.input, tokenInputFromSafetensors(readSafetensors(readFileSync(join(vectors, c.input)))));
      const got = d2pruneLazy(inputs.get(c.input), c.keep, c.params);
      for (const k of ['keep', 'pivots', 'picks', 'rounds']) assert.deepEqual(got[k], c.expected[k], `${c.input} keep=${c.keep} ${JSON.stringify(c.params)}: ${k}`);
    }
    console.log(`    (${cases.length} cases)`);
  });
} else {
  console.log('  - spec vectors not given (D2PRUNER_VECTORS); only the generated scene was checked');
}

console.log(`node-minimal: ${passed} checks passed`);
