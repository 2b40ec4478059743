// Kernel benchmark: CPU reference vs WebGPU (and optionally gpu.js) on the same inputs in one run.
// Imports the built packages (dist): build core → kernels → kernels-webgpu first, e.g.
//   npx nx run @d2pruner/kernels-webgpu:bench:kernels      (builds the dependencies, then runs)
//   npm run bench:kernels -w @d2pruner/kernels-webgpu      (after building)
// Prints, per case and backend: the first (cold) call, the median of warm calls, GFLOP/s and the
// ratio to the CPU median of the same run, plus the largest |Δ| against the CPU output.
// GFLOP counts 2·m·n·d for every backend (the CPU and the WGSL cosineMatrix both exploit symmetry,
// so for the dense case the figure is "effective" GFLOP/s).
// Env: BENCH_REPS (warm reps, default 5), BENCH_CPU_DENSE_REPS (CPU reps of the 3328×4096 dense
// cosine, default 1), BENCH_QUICK=1 (skip that dense case), BENCH_GPUJS=mode (also run gpu.js in
// `webasm`, `cpu` or `webgpu` mode; needs the kernels-gpujs build), BENCH_JSON=path (write results),
// BENCH_SKIP_CPU_DENSE=1 (no CPU reference for the 3328×4096 cases: GPU times only, no |Δ|).
import { writeFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { uniformRng as rng } from '@d2pruner/core';
import { runCpuKernel, kernelWork } from '@d2pruner/kernels';
import { WebGPUBackend } from '@d2pruner/kernels-webgpu';

const env = process.env;
const REPS = Number(env.BENCH_REPS ?? 5);
const CPU_DENSE_REPS = Number(env.BENCH_CPU_DENSE_REPS ?? 1);
const QUICK = env.BENCH_QUICK === '1';

/** Vision-token-like features: a shared direction plus noise. */
function features(rows, cols, seed) {
  const r = rng(seed);
  const common = Float64Array.from({ length: cols }, () => r() - 0.5);
  const data = new Float32Array(rows * cols);
  for (let i = 0; i < rows; i++) {
    const w = 0.3 + (i % 7) / 7;
    for (let c = 0; c < cols; c++) data[i * cols + c] = w * common[c] + (r() - 0.5);
  }
  return { rows, cols, data };
}

const range = (n) => Int32Array.from({ length: n }, (_, i) => i);
const llava = features(576, 4096, 1);
const internvl = features(3328, 4096, 2);
const every = (n, k) => Int32Array.from({ length: k }, (_, i) => Math.floor((i * n) / k));

const scene = (x) => ({ x, subset: range(x.rows), alpha: 1, theta: 0.8 });
const cases = [
  { name: 'edgeBlock LLaVA 576×4096 (fused, certified)', kernel: 'edgeBlock', input: scene(llava) },
  { name: 'edgeBlock InternVL 3328×4096 (fused, certified)', kernel: 'edgeBlock', input: scene(internvl), dense: true },
  { name: 'similarityRows LLaVA 1q×576 d4096', kernel: 'similarityRows', input: { x: llava, queries: Int32Array.of(17), candidates: range(576) } },
  { name: 'similarityRows LLaVA 64q×576 d4096', kernel: 'similarityRows', input: { x: llava, queries: every(576, 64), candidates: range(576) } },
  { name: 'similarityRows InternVL 1q×3328 d4096', kernel: 'similarityRows', input: { x: internvl, queries: Int32Array.of(17), candidates: range(3328) } },
  { name: 'similarityRows InternVL 333q×3328 d4096', kernel: 'similarityRows', input: { x: internvl, queries: every(3328, 333), candidates: range(3328) } },
  { name: 'cosineMatrix LLaVA 576×4096', kernel: 'cosineMatrix', input: { x: llava } },
  { name: 'cosineMatrix InternVL 3328×4096', kernel: 'cosineMatrix', input: { x: internvl }, dense: true },
];

const median = (v) => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)];

async function time(fn, reps, kernelMs = () => null) {
  const t0 = performance.now();
  const first = await fn();
  const cold = performance.now() - t0;
  const ms = [];
  const kms = [];
  for (let i = 0; i < reps; i++) {
    const t = performance.now();
    await fn();
    ms.push(performance.now() - t);
    const k = kernelMs();
    if (k !== null) kms.push(k);
  }
  return { first, cold, median: reps ? median(ms) : cold, reps, kernel: kms.length ? median(kms) : null };
}

/** Outputs compared as numbers: edgeBlock's upper-triangle bits (uncertain pairs excluded), else the arrays. */
function comparable(kernel, out, input) {
  if (kernel !== 'edgeBlock') return out;
  const k = input.subset.length;
  const words = Math.ceil(k / 32);
  const skip = new Set();
  for (let p = 0; p < out.uncertain.length; p += 2) skip.add(out.uncertain[p] * k + out.uncertain[p + 1]);
  const bits = [];
  for (let i = 0; i < k; i++) for (let j = i + 1; j < k; j++) if (!skip.has(i * k + j)) bits.push((out.bits[i * words + (j >>> 5)] >>> (j & 31)) & 1);
  return { bits, skip };
}

function maxAbsDiff(a, b) {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

const backends = [];
const webgpu = new WebGPUBackend({ minWork: 0, timestamps: true });
if (await webgpu.available()) backends.push({ label: 'webgpu', backend: webgpu });
else console.log(`webgpu: SKIPPED — ${webgpu.describe()}`);
if (env.BENCH_GPUJS) {
  const { GpuJsBackend } = await import('@d2pruner/kernels-gpujs');
  let navigatorGpu;
  if (env.BENCH_GPUJS === 'webgpu') {
    const { create } = await import('webgpu');
    process.env.EGL_PLATFORM ??= 'surfaceless';
    const gl = create(['backend=opengles']);
    navigatorGpu = { requestAdapter: (o) => gl.requestAdapter({ ...o, featureLevel: 'compatibility' }) };
  }
  const g = new GpuJsBackend({ mode: env.BENCH_GPUJS, requireGpu: false, navigatorGpu });
  if (await g.available()) backends.push({ label: `gpujs/${env.BENCH_GPUJS}`, backend: g });
  else console.log(`gpujs: SKIPPED — ${g.describe()}`);
}

console.log(`Kernel benchmark, Node ${process.version}; warm reps ${REPS}; CPU = JavaScript reference (f64 accumulation)`);
for (const b of backends) console.log(`${b.label}: ${b.backend.describe()}`);
const pad = (s, n) => String(s).padStart(n);
console.log(['case'.padEnd(48), pad('backend', 12), pad('cold ms', 10), pad('median ms', 10), pad('kernel ms', 10), pad('GFLOP/s', 9), pad('kern TF/s', 9), pad('vs cpu', 8), pad('max|Δ|', 9)].join(' '));
console.log('(kernel ms: GPU time of the compute passes from timestamp queries, when the adapter has them; edgeBlock max|Δ| = wrong certified bits)');
const results = [];
for (const c of cases) {
  if (c.dense && QUICK) {
    console.log(`${c.name.padEnd(40)} skipped (BENCH_QUICK=1)`);
    continue;
  }
  const gflop = (2 * kernelWork(c.kernel, c.input)) / 1e9;
  const skipCpu = c.dense && env.BENCH_SKIP_CPU_DENSE === '1';
  const cpu = skipCpu ? { first: null, cold: NaN, median: NaN, reps: 0, kernel: null } : await time(() => runCpuKernel(c.kernel, c.input), c.dense ? Math.max(0, CPU_DENSE_REPS - 1) : REPS);
  const rows = skipCpu ? [] : [{ backend: 'cpu', ...cpu, diff: 0 }];
  for (const b of backends) {
    if (b.label.startsWith('gpujs') && c.dense) continue;
    const r = await time(() => b.backend.run(c.kernel, c.input), REPS, () => b.backend.lastKernelMs ?? null);
    let diff;
    if (skipCpu) diff = NaN;
    else if (c.kernel === 'edgeBlock') {
      const g = comparable(c.kernel, r.first, c.input);
      const k = c.input.subset.length;
      const words = Math.ceil(k / 32);
      let wrong = 0;
      for (let i = 0, n = 0; i < k; i++) for (let j = i + 1; j < k; j++) if (!g.skip.has(i * k + j)) wrong += g.bits[n++] !== ((cpu.first.bits[i * words + (j >>> 5)] >>> (j & 31)) & 1) ? 1 : 0;
      diff = wrong;
      r.note = `${g.skip.size} uncertain`;
    } else diff = maxAbsDiff(r.first, cpu.first);
    rows.push({ backend: b.label, ...r, diff });
  }
  for (const r of rows) {
    const ratio = r.backend === 'cpu' ? '1.0×' : Number.isFinite(cpu.median) ? `${(cpu.median / r.median).toFixed(1)}×` : '-';
    const kern = r.kernel ?? null;
    console.log([c.name.padEnd(48), pad(r.backend, 12), pad(r.cold.toFixed(1), 10), pad(r.median.toFixed(1), 10), pad(kern === null ? '-' : kern.toFixed(2), 10), pad((gflop / (r.median / 1e3)).toFixed(2), 9), pad(kern === null ? '-' : (gflop / kern).toFixed(2), 9), pad(ratio, 8), pad(r.diff.toExponential(1), 9), r.note ?? ''].join(' '));
    results.push({ case: c.name, kernel: c.kernel, gflop, backend: r.backend, coldMs: r.cold, medianMs: r.median, kernelMs: kern, reps: r.reps, speedupVsCpu: cpu.median / r.median, maxAbsDiff: r.diff });
  }
}
if (env.BENCH_JSON) writeFileSync(env.BENCH_JSON, JSON.stringify({ node: process.version, backends: backends.map((b) => b.backend.describe()), results }, null, 1));
for (const b of backends) await b.backend.dispose();
