#!/usr/bin/env node
/**
 * device:check — the GPU path checked on whatever adapter this machine has: reports the adapter,
 * runs the kernel conformance suite and every D2Pruner vector (plain and with adversarially
 * perturbed GPU cosines), prints a timing table (CPU lazy vs GPU dense vs auto, then writes the
 * `--emit` files), then every baseline vector method by method, all through the WebGPU backend,
 * with `exact A/B <suite>` per suite, and ends with
 * `device-check: PASS` or `device-check: FAIL` (exit code 0 / 1).
 *
 * usage: node tools/device/device-check.mjs [--quick] [--vectors DIR] [--emit DIR] [--repeats N]
 *   --quick    a subset that finishes in minutes on a software adapter (every 12th baseline
 *              vector, the perturbed suite on every 4th D2Pruner vector, 1 timing repeat)
 *   --vectors  the vectors folder (default: fixtures/vectors of this repository)
 *   --emit     write the timing requests (scene files + requests.jsonl) and this run's results
 *              (results.jsonl) there, for the PyTorch peer on the same machine
 * Imports only built @d2pruner/* packages, so it runs from a packed project too.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { kernelRegistry } from '@d2pruner/kernels';
import { registerWebGPUBackend } from '@d2pruner/kernels-webgpu/register';
import { WEBGPU_TOLERANCE } from '@d2pruner/kernels-webgpu';
import { makeScene, sceneBytes } from './lib/scenes.mjs';
import { baselineMethods, baselineVectors, conformance, d2prunerVectors, perturbedRegistry } from './lib/suites.mjs';
import { formatTable, REQUESTS, timingRows } from './lib/timing.mjs';

const args = process.argv.slice(2);
const opt = (name) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};
const quick = args.includes('--quick');
const vectors = resolve(opt('--vectors') ?? join(dirname(fileURLToPath(import.meta.url)), '../../fixtures/vectors'));
const emit = opt('--emit');
const repeats = Number(opt('--repeats') ?? (quick ? 1 : 7));
const log = (line) => console.log(line);
const t0 = performance.now();
const elapsed = () => `${((performance.now() - t0) / 1000).toFixed(1)} s`;

const registry = kernelRegistry();
const gpu = registerWebGPUBackend(registry, { log: (l) => log(`[device-check] ${l}`) });
let ok = true;
const suite = (name, r) => {
  const notes = [r.note, r.uncertain !== undefined ? `${r.uncertain} uncertain pairs resolved on the CPU` : undefined].filter(Boolean);
  log(`exact ${r.pass}/${r.total} ${name}${notes.length ? ` (${notes.join('; ')})` : ''}  [${elapsed()}]`);
  for (const f of r.failures.slice(0, 10)) log(`  FAIL ${f}`);
  if (r.pass !== r.total) ok = false;
};

try {
  if (!(await gpu.available())) {
    log(`adapter: none (${gpu.describe()})`);
    log('device-check: FAIL (no WebGPU adapter)');
    process.exitCode = 1;
  } else {
    const ctx = gpu.gpuContext;
    const features = [...(ctx?.handle.adapter.features ?? [])].sort();
    log(`adapter: ${gpu.describe()}`);
    log(`adapter features: ${features.join(', ') || 'none'}; timestamp-query: ${features.includes('timestamp-query') ? 'yes' : 'no'}`);
    const why = await registry.autoEligibility('webgpu');
    log(`auto policy: ${why.eligible ? 'may use webgpu' : 'keeps work on the CPU'} (${why.reason})`);
    log(`mode: ${quick ? 'quick' : 'full'}; vectors: ${vectors}`);

    suite('kernel conformance (webgpu vs CPU reference)', await conformance(gpu, WEBGPU_TOLERANCE));
    suite('d2pruner vectors --backend webgpu', await d2prunerVectors(vectors, registry, 'webgpu'));
    const perturbed = perturbedRegistry(gpu);
    suite('d2pruner vectors, GPU cosines perturbed by ±bound/2 towards theta', await d2prunerVectors(vectors, perturbed.registry, perturbed.name, quick ? (_, i) => i % 4 === 0 : () => true));

    const scenes = { llava: makeScene('llava'), internvl: makeScene('internvl') };
    log(`timing (median of ${repeats} after a warm-up, features in memory, same process):`);
    const rows = await timingRows(scenes, registry, 'webgpu', repeats);
    for (const line of formatTable(rows, 'webgpu')) log(line);
    const inexact = rows.filter((r) => !r.exact);
    if (inexact.length) {
      ok = false;
      log(`  FAIL timing requests whose three results differ: ${inexact.map((r) => r.request).join('; ')}`);
    }
    if (emit) {
      mkdirSync(emit, { recursive: true });
      for (const s of Object.values(scenes)) writeFileSync(join(emit, `${s.name}.safetensors`), sceneBytes(s));
      const req = REQUESTS.map((r) => JSON.stringify({ input: `${r.scene}.safetensors`, keep: r.keep, params: { ...r.params, theta: 0.8, radius: 1, pivotRatio: 0.7 } }));
      writeFileSync(join(emit, 'requests.jsonl'), req.join('\n') + '\n');
      writeFileSync(join(emit, 'results.jsonl'), rows.map((r) => JSON.stringify({ keep: r.keep, cpuMs: r.cpuMs, gpuMs: r.gpuMs, autoMs: r.autoMs, autoRan: r.autoRan })).join('\n') + '\n');
      log(`wrote ${emit}/requests.jsonl, results.jsonl and the scene files`);
    }
    for (const method of baselineMethods(vectors)) suite(`baseline vectors --backend webgpu: ${method}`, await baselineVectors(vectors, 'webgpu', quick ? 12 : 1, method));
    log(`device-check: ${ok ? 'PASS' : 'FAIL'}  [${elapsed()}]`);
    process.exitCode = ok ? 0 : 1;
  }
} catch (e) {
  log(`device-check: FAIL (${e instanceof Error ? e.stack : String(e)})`);
  process.exitCode = 1;
} finally {
  await registry.dispose();
}
